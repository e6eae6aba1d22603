/**
 * Serial consoles: opens sessions to a node's out-of-band console, keeps them in main across
 * renderer reloads, relays bytes and acknowledgements, and asks the user (through events) about
 * unknown host keys and keyboard-interactive prompts. Prompts time out; nothing is auto-accepted.
 */
import { readUntrustedFile } from '../files/safe-files';
import { capabilityMissingReason } from '../../../shared/capabilities';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { ConsoleMode, ConsoleSessionInfo } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { ConnectionService } from '../connections/connection-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { AppPaths, Logger } from '../ports';
import { ConsoleSession, type BreakOutcome, type ConsoleCredentials } from './console-session';
import { KnownHosts } from './known-hosts';
import type { ConsoleLine } from './console-line';

export interface ConsoleServiceOptions {
  paths: AppPaths;
  bus: EventBus;
  fleet: FleetService;
  connections: ConnectionService;
  log: Logger;
  /** Opening, closing, trusting a host key, taking over, BREAK and SysRq are all recorded. */
  audit: AuditLog;
  /** The user's own SSH setup; the web host and desktop pass the real environment. */
  env?: { sshAuthSock?: string; home?: string };
  promptTimeoutMs?: number;
  reconnect?: { initialMs: number; maxMs: number; attempts: number };
}

const DEFAULT_KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** What a SysRq key does, for the audit (https://docs.kernel.org/admin-guide/sysrq.html). */
const SYSRQ_MEANING: Record<string, string> = {
  b: 'reboot at once',
  c: 'crash the kernel',
  o: 'power off',
  e: 'terminate all processes',
  i: 'kill all processes',
  s: 'sync disks',
  u: 'remount read-only',
  h: 'help',
};

/** How the audit says what a BREAK sent and whether the gateway acknowledged it. */
function said(outcome: BreakOutcome | null): string {
  if (!outcome) return '';
  const ack =
    outcome.acknowledged === true ? 'the gateway acknowledged it' : outcome.acknowledged === false ? 'the gateway refused it' : 'bytes, not acknowledged';
  return ` (as ${outcome.sent}; ${ack})`;
}

export class ConsoleService {
  private readonly sessions = new Map<string, ConsoleSession>();
  /** What closing a session must undo on the provider's side (Ironic turns its console off), by session. */
  private readonly releases = new Map<string, () => Promise<void>>();
  /** Opens in progress by node: a double-click must give one session, not two fighting over the line. */
  private readonly opening = new Map<string, Promise<ConsoleSessionInfo>>();
  private readonly pending = new Map<string, { resolve: (answer: unknown) => void; timer: NodeJS.Timeout }>();
  /** Nodes whose console is being opened by a check that must not ask about a host key. */
  private readonly quiet = new Set<string>();
  readonly knownHosts: KnownHosts;

  constructor(private readonly options: ConsoleServiceOptions) {
    this.knownHosts = new KnownHosts(path.join(options.paths.dataDir, 'known_hosts'));
  }

  list(): ConsoleSessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  private session(sessionId: string): ConsoleSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new AppError('not_found', 'That console session has been closed.');
    return session;
  }

  /** One session per node: a second open returns (and if needed reconnects) the one there is. */
  async open(nodeId: string, mode: ConsoleMode = 'rw'): Promise<ConsoleSessionInfo> {
    const inFlight = this.opening.get(nodeId);
    if (inFlight) return inFlight;
    const opening = this.openOnce(nodeId, mode).finally(() => this.opening.delete(nodeId));
    this.opening.set(nodeId, opening);
    return opening;
  }

  private async openOnce(nodeId: string, mode: ConsoleMode): Promise<ConsoleSessionInfo> {
    const node = this.options.fleet.node(nodeId);
    const existing = [...this.sessions.values()].find((s) => s.info().nodeId === nodeId);
    if (existing) {
      const info = existing.info();
      if (info.status === 'closed' || info.status === 'error' || (mode !== 'rw' && (mode === 'ro') !== info.readOnly)) void existing.connect(mode);
      return existing.info();
    }
    const missing = capabilityMissingReason(node, 'serialConsole');
    if (missing) throw new AppError('unavailable', `${node.hostname}: ${missing}`, { retryable: false });
    const endpoint = await this.options.connections.consoleEndpoint(node.accountId, node);
    const id = randomUUID();
    const session: ConsoleSession = new ConsoleSession({
      id,
      nodeId,
      hostname: node.hostname,
      target: endpoint.target,
      credentials: await this.credentials(endpoint.credentials),
      knownHosts: this.knownHosts,
      logDir: path.join(this.options.paths.dataDir, 'console-logs'),
      reconnect: this.options.reconnect,
      breakMethod: this.options.connections.breakMethod(node.accountId),
      prompts: {
        hostKey: async (question) => {
          // A check that must not wait on a person (a reprovision's verification) declines instead.
          if (this.quiet.has(nodeId)) return false;
          const trusted = await this.ask<boolean>(
            'console.hostKeyPrompt',
            (promptId) => ({ promptId, sessionId: id, ...question, knownHostsFile: this.knownHosts.file }),
            false,
          );
          if (trusted)
            void this.record(
              'console.trustHostKey',
              nodeId,
              node.hostname,
              `Trusted the host key ${question.fingerprint} of ${question.host} for ${node.hostname}'s console.`,
            );
          return trusted;
        },
        keyboardInteractive: (host, name, instructions, prompts) =>
          this.ask<string[] | null>('console.authPrompt', (promptId) => ({ promptId, sessionId: id, host, name, instructions, prompts }), null),
      },
    });
    session.on('data', (data) =>
      this.options.bus.emit('console.data', { sessionId: session.id, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }),
    );
    session.on('status', (info) => this.options.bus.emit('console.status', info));
    this.sessions.set(session.id, session);
    if (endpoint.release) this.releases.set(session.id, endpoint.release);
    void session.connect(mode);
    await this.record(
      'console.open',
      nodeId,
      node.hostname,
      `Opened the serial console of ${node.hostname} (${session.info().target}${mode === 'rw' ? '' : `, ${mode}`}).`,
    );
    return session.info();
  }

  /** Undoes the provider's side of a closed session; a failure is logged, never thrown at the closing tab. */
  private async release(sessionId: string): Promise<void> {
    const release = this.releases.get(sessionId);
    this.releases.delete(sessionId);
    if (!release) return;
    // The link's escape sequence goes out first (ConsoleSession.dispose); give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await release().catch((cause: unknown) => this.options.log.warn('releasing a console failed', { sessionId, cause: String(cause) }));
  }

  /** Recorded once the console action is done (opened, closed, sent), so it is audited as such. */
  private async record(action: string, target: string, targetName: string, message: string, outcome: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
    await this.options.audit
      .append({ action, target, targetName, outcome, message })
      .catch((cause: unknown) => this.options.log.error('audit append failed', { action, cause }));
  }

  /** Runs a console action and audits it with its outcome. */
  private async audited<T>(
    sessionId: string,
    action: string,
    describe: (hostname: string) => string,
    run: (session: ConsoleSession) => T | Promise<T>,
  ): Promise<T> {
    const session = this.session(sessionId);
    const { nodeId, hostname } = session.info();
    try {
      const result = await run(session);
      await this.record(action, nodeId, hostname, describe(hostname));
      return result;
    } catch (cause) {
      await this.record(action, nodeId, hostname, `${describe(hostname)} Failed: ${cause instanceof Error ? cause.message : String(cause)}`, 'failed');
      throw cause;
    }
  }

  /**
   * The node's console for a runbook: the same session a person sees, once it is connected. A
   * session this opened is closed again by `release` (a bulk run must not leave fifty SSH sessions
   * behind); one the user had open stays. Unknown host keys are asked about as for any open, unless
   * `askHostKey` is false (a check that must not wait on a person). What the runbook reads it
   * acknowledges itself: with no window attached nothing else would, and flow control would stop the
   * line (an attached window's own acknowledgements then count twice, which the controller clamps).
   */
  async runbookLine(nodeId: string, options: { askHostKey?: boolean; timeoutMs?: number } = {}): Promise<ConsoleLine & { release(): Promise<void> }> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const hadSession = [...this.sessions.values()].some((s) => s.info().nodeId === nodeId);
    if (options.askHostKey === false) this.quiet.add(nodeId);
    let session: ConsoleSession | null = null;
    const release = async () => {
      if (!hadSession && session && this.sessions.has(session.id)) await this.close(session.id);
    };
    try {
      const info = await this.open(nodeId);
      session = this.session(info.sessionId);
      if (session.info().readOnly)
        throw new AppError('conflict', `${info.hostname}'s console is open read-only here; take it over first.`, { retryable: true });
      if (session.info().status !== 'connected') await this.connected(session, timeoutMs);
    } catch (error) {
      await release();
      throw error;
    } finally {
      this.quiet.delete(nodeId);
    }
    const line = session;
    return {
      write: (text) => line.write(text),
      maskSecrets: (secrets) => line.maskSecrets(secrets),
      onData: (listener) => {
        const relay = (chunk: Buffer) => {
          line.ack(chunk.length);
          listener(chunk);
        };
        line.on('data', relay);
        return () => line.off('data', relay);
      },
      release,
    };
  }

  private connected(session: ConsoleSession, timeoutMs: number): Promise<void> {
    const hostname = session.info().hostname;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new AppError('timeout', `${hostname}'s console did not connect within ${Math.round(timeoutMs / 1000)} s.`, { retryable: true })),
        timeoutMs,
      );
      const onStatus = (status: ConsoleSessionInfo) => {
        if (status.status === 'connected') done(null);
        else if (status.status === 'error' || status.status === 'closed') {
          const code = status.error?.code === 'host_key_unknown' || status.error?.code === 'host_key_changed' ? status.error.code : 'unavailable';
          done(new AppError(code, `${hostname}'s console could not connect: ${status.error?.message ?? 'it closed'}`, { retryable: true }));
        }
      };
      const done = (error: AppError | null) => {
        clearTimeout(timer);
        session.off('status', onStatus);
        if (error) reject(error);
        else resolve();
      };
      session.on('status', onStatus);
      // It may have settled already (a declined host key fails before open() returns).
      const now = session.info();
      if (now.status !== 'connecting' && now.status !== 'reconnecting') onStatus(now);
    });
  }

  attach(sessionId: string): { info: ConsoleSessionInfo; backlog: string } {
    const session = this.session(sessionId);
    return { info: session.info(), backlog: session.takeBacklog().toString('base64') };
  }

  write(sessionId: string, data: string): void {
    this.session(sessionId).write(data);
  }

  ack(sessionId: string, bytes: number): void {
    this.sessions.get(sessionId)?.ack(bytes);
  }

  async sendBreak(sessionId: string): Promise<void> {
    let outcome: BreakOutcome | null = null;
    await this.audited(
      sessionId,
      'console.break',
      (hostname) => `Sent BREAK to ${hostname}'s serial console${said(outcome)}.`,
      async (session) => {
        outcome = await session.sendBreak();
      },
    );
  }

  async sysrq(sessionId: string, key: string): Promise<void> {
    let outcome: BreakOutcome | null = null;
    await this.audited(
      sessionId,
      'console.sysrq',
      (hostname) => `Sent SysRq ${key}${SYSRQ_MEANING[key] ? ` (${SYSRQ_MEANING[key]})` : ''} to ${hostname}${said(outcome)}.`,
      async (session) => {
        outcome = await session.sysrq(key);
      },
    );
  }

  /** A serial line has no window size: tell the machine's tty by typing it (docs/architecture.md#console-fast-path). */
  syncSize(sessionId: string, rows: number, cols: number): void {
    this.session(sessionId).write(`stty rows ${rows} cols ${cols}\r`);
  }

  disconnect(sessionId: string): ConsoleSessionInfo {
    const session = this.session(sessionId);
    session.disconnect();
    return session.info();
  }

  async reconnect(sessionId: string, mode?: ConsoleMode): Promise<ConsoleSessionInfo> {
    const session = this.session(sessionId);
    if (mode === 'takeover') {
      const { nodeId, hostname } = session.info();
      await this.record('console.takeover', nodeId, hostname, `Took over ${hostname}'s serial console from the session that held it.`);
    }
    void session.connect(mode ?? (session.info().readOnly ? 'ro' : 'rw'));
    return session.info();
  }

  async close(sessionId: string): Promise<void> {
    const session = this.session(sessionId);
    const { nodeId, hostname } = session.info();
    session.dispose();
    this.sessions.delete(sessionId);
    await this.release(sessionId);
    await this.record('console.close', nodeId, hostname, `Closed the serial console of ${hostname}.`);
  }

  setLogging(sessionId: string, enabled: boolean): ConsoleSessionInfo {
    const session = this.session(sessionId);
    session.setLogging(enabled);
    return session.info();
  }

  answer(promptId: string, value: unknown): void {
    const pending = this.pending.get(promptId);
    if (!pending) throw new AppError('not_found', 'That question has expired; connect again to be asked afresh.');
    clearTimeout(pending.timer);
    this.pending.delete(promptId);
    pending.resolve(value);
  }

  stop(): void {
    for (const session of this.sessions.values()) session.dispose();
    for (const id of this.sessions.keys()) void this.release(id);
    this.sessions.clear();
    for (const { resolve, timer } of this.pending.values()) {
      clearTimeout(timer);
      resolve(undefined);
    }
    this.pending.clear();
  }

  private ask<T>(event: 'console.hostKeyPrompt' | 'console.authPrompt', build: (promptId: string) => never | object, onTimeout: T): Promise<T> {
    const promptId = randomUUID();
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(promptId);
        resolve(onTimeout);
      }, this.options.promptTimeoutMs ?? 120_000);
      timer.unref?.();
      this.pending.set(promptId, { resolve: (v) => resolve((v ?? onTimeout) as T), timer });
      this.options.bus.emit(event, build(promptId) as never);
    });
  }

  /** The account's keys (e.g. the lab's vault key), then the user's agent and default key files. */
  private async credentials(base: ConsoleCredentials): Promise<ConsoleCredentials> {
    const env = this.options.env ?? { sshAuthSock: process.env.SSH_AUTH_SOCK, home: os.homedir() };
    const privateKeys = [...base.privateKeys];
    if (env.home) {
      for (const name of DEFAULT_KEY_FILES) {
        const file = path.join(env.home, '.ssh', name);
        // Regular files only, opened without blocking: a FIFO or device here must not hang or flood main.
        const key = await readUntrustedFile(file, { what: 'key file', maxBytes: 64 * 1024 }).catch(() => null);
        if (key) privateKeys.push({ label: `~/.ssh/${name}`, key });
      }
    }
    const agent = base.agent ?? env.sshAuthSock ?? (process.platform === 'win32' ? '\\\\.\\pipe\\openssh-ssh-agent' : undefined);
    return { ...base, privateKeys, agent };
  }
}
