/**
 * The rules of the forms a person fills in, free of schema code: the renderer checks a draft as it
 * is typed (naming the field and the entry, in plain words), and the contract's schemas use the same
 * limits, so what the form accepts main accepts too.
 */

export const ACCOUNT_LIMITS = { name: 80, projectId: 64, token: 512 } as const;
export const MAX_JUMP_HOSTS = 5;
/** A console credential's name, as runbooks write it in `credential:` (the vault keeps its password). */
export const CONSOLE_CREDENTIAL_NAME = /^[a-z0-9][a-z0-9._-]{0,39}$/;
export const MAX_KEEPALIVE_SECONDS = 3600;
/** `user@host[:port]`: one hop of a jump-host chain. */
export const JUMP_HOP_PATTERN = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/** A full path on any desktop OS: `/…`, `~/…` is not (main has no shell to expand it), `C:\…`. */
export function isAbsolutePath(value: string): boolean {
  return value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value);
}

export type FieldErrors<T> = Partial<Record<keyof T, string>>;

export interface ConsoleSettingsDraft {
  keepalive: string;
  jumpHosts: string;
}

export function parseJumpHosts(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Checks the draft; `settings` is set only when there is nothing to fix. */
export function validateConsoleSettingsDraft(draft: ConsoleSettingsDraft): {
  errors: FieldErrors<ConsoleSettingsDraft>;
  settings?: { keepaliveSeconds: number; jumpHosts: string[] };
} {
  const errors: FieldErrors<ConsoleSettingsDraft> = {};
  const keepaliveText = draft.keepalive.trim();
  const keepalive = Number(keepaliveText);
  if (keepaliveText === '') errors.keepalive = 'Enter the keepalive interval in seconds (0 turns keepalives off).';
  else if (!Number.isInteger(keepalive) || keepalive < 0) errors.keepalive = 'The keepalive interval is a whole number of seconds, 0 or more.';
  else if (keepalive > MAX_KEEPALIVE_SECONDS) errors.keepalive = `The keepalive interval can be at most ${MAX_KEEPALIVE_SECONDS} seconds (one hour).`;

  const hops = parseJumpHosts(draft.jumpHosts);
  const badIndex = hops.findIndex((hop) => !JUMP_HOP_PATTERN.test(hop));
  if (badIndex >= 0) {
    const hop = hops[badIndex]!;
    errors.jumpHosts = `Jump host ${badIndex + 1} (“${hop.length > 40 ? `${hop.slice(0, 39)}…` : hop}”): write it as user@host or user@host:port.`;
  } else if (hops.length > MAX_JUMP_HOSTS) {
    errors.jumpHosts = `At most ${MAX_JUMP_HOSTS} jump hosts (there are ${hops.length}).`;
  }
  const clean = withoutEmpty(errors);
  return Object.keys(clean).length > 0 ? { errors: clean } : { errors: clean, settings: { keepaliveSeconds: keepalive, jumpHosts: hops } };
}

function withoutEmpty<T>(errors: FieldErrors<T>): FieldErrors<T> {
  return Object.fromEntries(Object.entries(errors).filter(([, v]) => v !== undefined)) as FieldErrors<T>;
}
