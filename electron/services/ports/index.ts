import type { UpdateChannel, UpdateState } from '../../../shared/app-updates';

/**
 * The ports each host implements. Services depend on these, never on Electron or a host.
 */
export interface SecretStore {
  /** A short name for what protects the secrets at rest, shown in the UI (e.g. "safeStorage"). */
  readonly protection: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface AppPaths {
  /** A folder owned by this user where Ironpane keeps settings, journals and the audit log. */
  readonly dataDir: string;
}

export interface Clock {
  now(): number;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Logs to stderr as one JSON line per entry; never pass secrets in fields. */
export function consoleLogger(scope: string, quiet = false): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (quiet && level === 'info') return;
    const safe = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? `${v.name}: ${v.message}` : v])) : undefined;
    process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), level, scope, message, ...safe })}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** The desktop app's self-update (electron/main/updater.ts); the web host has none. */
export interface DesktopUpdates {
  state(): UpdateState;
  check(): Promise<UpdateState>;
  setChannel(channel: UpdateChannel): UpdateState;
  install(): UpdateState;
}
