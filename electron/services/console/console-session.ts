/**
 * One serial console session in main: SSH (through any jump hosts) to a serial gateway, a pty
 * shell on it, and the fast path to the renderer: 5 ms batches out, acknowledgements back, the SSH
 * stream paused while the renderer is more than 100,000 bytes behind. The session outlives the
 * renderer (a reload re-attaches and replays the backlog, which is never counted for flow control),
 * reconnects with backoff after the link drops, and can log to a file.
 */
import { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type AuthenticationType, type ClientChannel, type ConnectConfig } from 'ssh2';

const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;
import { AppError, type AppErrorData } from '../../../shared/errors';
import {
  BREAK_METHODS,
  CONSOLE_IN_USE_EXIT_STATUS,
  type BreakMethod,
  type ConsoleMode,
  type ConsoleSessionInfo,
  type ConsoleStatus,
} from '../../../shared/model';
import { SecretMasker } from './secret-masker';
import { DataBatcher, FlowController } from './flow';
import { fingerprint, type KnownHosts } from './known-hosts';
import { sendBreak } from './ssh-break';
import type { ConsoleLink } from './link';
import { openTcpLink } from './tcp-link';
import { openSolLink } from './ipmi-sol-link';

import type { ConsoleCredentials, ConsoleTarget, SshHop } from '../console-endpoint';
export type { ConsoleCredentials, ConsoleTarget, SshHop };

export interface HostKeyQuestion {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface ConsolePrompts {
  /** Resolves true only if the user accepts the unknown key; never auto-accepts. */
  hostKey(question: HostKeyQuestion): Promise<boolean>;
  keyboardInteractive(host: string, name: string, instructions: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[] | null>;
}

export interface ConsoleSessionOptions {
  id: string;
  nodeId: string;
  hostname: string;
  target: ConsoleTarget;
  credentials: ConsoleCredentials;
  knownHosts: KnownHosts;
  prompts: ConsolePrompts;
  logDir: string;
  backlogBytes?: number;
  reconnect?: { initialMs: number; maxMs: number; attempts: number };
  /** Between attempts once the fast ones are spent (30 s). */
  slowRetryMs?: number;
  /** How BREAK is sent on this connection (Console settings); the SSH break request by default. */
  breakMethod?: BreakMethod;
}

/** What a BREAK sent, and whether the gateway said it took it (null: it does not say). */
export interface BreakOutcome {
  sent: string;
  acknowledged: boolean | null;
}

export interface ConsoleSessionEvents {
  data: [Buffer];
  status: [ConsoleSessionInfo];
}

const LEGACY_ALGORITHMS: ConnectConfig['algorithms'] = {
  kex: { append: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'] },
  serverHostKey: { append: ['ssh-rsa', 'ssh-dss'] },
  cipher: { append: ['aes128-cbc', 'aes256-cbc', '3des-cbc'] },
  hmac: { append: ['hmac-sha1'] },
} as ConnectConfig['algorithms'];

const MODE_SUFFIX: Record<ConsoleMode, string> = { rw: '', ro: '+ro', takeover: '+takeover' };

/** How often a console whose fast reconnects are spent tries again, for as long as its tab is open. */
const SLOW_RETRY_MS = 30_000;
/** How long a possible start of a masked secret is held back when the line goes quiet. */
const MASK_FLUSH_MS = 50;

export class ConsoleSession extends EventEmitter<ConsoleSessionEvents> {
  private clients: Client[] = [];
  private channel: ConsoleLink | null = null;
  private readonly batcher: DataBatcher;
  private readonly flow: FlowController;
  private backlog: Buffer[] = [];
  private readonly maskedSecrets = new Set<readonly string[]>();
  private masker: SecretMasker | null = null;
  private maskFlushTimer: NodeJS.Timeout | null = null;
  private backlogSize = 0;
  private log: WriteStream | null = null;
  private logPath: string | null = null;
  private status: ConsoleStatus = 'closed';
  private error: AppErrorData | null = null;
  private mode: ConsoleMode = 'rw';
  private wanted = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private generation = 0;
  readonly openedAt = new Date().toISOString();

  constructor(private readonly options: ConsoleSessionOptions) {
    super();
    this.batcher = new DataBatcher((data) => this.emit('data', data));
    this.flow = new FlowController(
      () => this.channel?.pause(),
      () => this.channel?.resume(),
    );
  }

  get id(): string {
    return this.options.id;
  }

  info(): ConsoleSessionInfo {
    const t = this.options.target;
    return {
      sessionId: this.options.id,
      nodeId: this.options.nodeId,
      hostname: this.options.hostname,
      target:
        t.transport === 'tcp'
          ? `tcp://${t.host}:${t.port}`
          : t.transport === 'ipmi-sol'
            ? `ipmi-sol://${t.username}@${t.host}:${t.port}`
            : `${t.username}@${t.host}${t.port === 22 ? '' : `:${t.port}`}${t.jump?.length ? ` via ${t.jump.map((h) => h.host).join(' → ')}` : ''}`,
      status: this.status,
      readOnly: this.mode === 'ro',
      error: this.error,
      logging: this.log !== null,
      logPath: this.logPath,
      openedAt: this.openedAt,
    };
  }

  /** What the renderer replays when it (re)attaches: recent output, not counted for flow control. */
  takeBacklog(): Buffer {
    this.flow.reset();
    return Buffer.concat(this.backlog);
  }

  async connect(mode: ConsoleMode = this.mode): Promise<void> {
    this.mode = mode;
    this.wanted = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await this.dial(this.attempt > 0 ? 'reconnecting' : 'connecting');
  }

  /** Drop the link but keep the session (its tab, scrollback and log) for a later reconnect. */
  disconnect(): void {
    this.wanted = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.teardown();
    this.setStatus('closed', null);
  }

  dispose(): void {
    if (this.maskFlushTimer) clearTimeout(this.maskFlushTimer);
    this.disconnect();
    this.batcher.dispose();
    this.setLogging(false);
    this.removeAllListeners();
  }

  write(data: string | Buffer): void {
    if (this.mode === 'ro') throw new AppError('conflict', 'This console is read-only. Take over to type.');
    if (!this.channel || this.status !== 'connected') throw new AppError('unavailable', 'The console is not connected. Reconnect first.', { retryable: true });
    this.channel.write(data);
  }

  ack(bytes: number): void {
    this.flow.acked(bytes);
  }

  /**
   * BREAK the way this connection's gateway understands it (Console settings): an RFC 4335 break
   * request with want_reply (a refusal is an error that says what to choose instead), or the byte
   * sequence its serial server reads as BREAK. Says what was sent and whether it was acknowledged.
   */
  async sendBreak(ms = 500): Promise<BreakOutcome> {
    if (!this.channel || this.status !== 'connected') throw new AppError('unavailable', 'The console is not connected.', { retryable: true });
    if (this.mode === 'ro') throw new AppError('conflict', 'This console is read-only. Take over to send BREAK.');
    const method = this.options.breakMethod ?? 'ssh';
    const bytes = BREAK_METHODS[method].bytes;
    if (bytes !== null) {
      this.channel.write(bytes);
      return { sent: BREAK_METHODS[method].label, acknowledged: null };
    }
    const sent = await this.channel.sendBreak(ms);
    if (!sent) {
      throw new AppError(
        'unavailable',
        `The console of ${this.options.hostname} is plain TCP, which has no BREAK of its own. Choose the byte sequence its serial server reads as BREAK under Connections → Console settings.`,
        { retryable: false },
      );
    }
    if (sent.reply === 'refused') {
      throw new AppError(
        'unavailable',
        `The serial gateway of ${this.options.hostname} refused the SSH break request (an OpenSSH gateway passes none on). Choose the byte sequence its serial server reads as BREAK under Connections → Console settings.`,
        { retryable: false },
      );
    }
    return { sent: sent.label, acknowledged: sent.reply === 'accepted' ? true : null };
  }

  /**
   * Magic SysRq: BREAK, a short pause, then the key. The pause keeps the key from overtaking the
   * break on gateways that queue them differently (RFC 4335 §3 lets a server ignore the length). A
   * refused BREAK sends no key: it would reach the shell as typed input.
   */
  async sysrq(key: string, pauseMs = 150): Promise<BreakOutcome> {
    const outcome = await this.sendBreak();
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    this.write(key);
    return outcome;
  }

  setLogging(enabled: boolean): void {
    if (!enabled) {
      this.log?.end();
      this.log = null;
      this.emitStatus();
      return;
    }
    if (this.log) return;
    mkdirSync(this.options.logDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.logPath = `${this.options.logDir}/${this.options.hostname}-${stamp}.log`;
    this.log = createWriteStream(this.logPath, { flags: 'a', mode: 0o600 });
    this.emitStatus();
  }

  private setStatus(status: ConsoleStatus, error: AppErrorData | null): void {
    this.status = status;
    this.error = error;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit('status', this.info());
  }

  private teardown(): void {
    this.generation++;
    this.batcher.drain();
    this.channel?.destroy();
    this.channel = null;
    for (const client of this.clients.reverse()) {
      client.removeAllListeners('close');
      client.end();
    }
    this.clients = [];
  }

  /**
   * Masks these secrets' exact bytes in everything this session sends out of main (frames, backlog,
   * log file, a runbook's view) until the returned function is called. A runbook holds its
   * credentials' passwords here while it runs.
   */
  maskSecrets(secrets: readonly string[]): () => void {
    const set = secrets.filter(Boolean);
    this.maskedSecrets.add(set);
    this.rebuildMasker();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.maskedSecrets.delete(set);
      this.rebuildMasker();
    };
  }

  private rebuildMasker(): void {
    if (this.masker) this.pass(this.masker.flush());
    const all = [...this.maskedSecrets].flat();
    this.masker = all.length > 0 ? new SecretMasker(all) : null;
  }

  /** What the masker held back (a possible start of a secret) goes out once the line is quiet. */
  private flushMaskLater(): void {
    if (!this.masker?.holding || this.maskFlushTimer) return;
    this.maskFlushTimer = setTimeout(() => {
      this.maskFlushTimer = null;
      if (this.masker) this.pass(this.masker.flush());
    }, MASK_FLUSH_MS);
    this.maskFlushTimer.unref?.();
  }

  /** Bytes from the machine, already masked, to the backlog, the log, flow control and the window. */
  private pass(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.record(chunk);
    this.flow.sent(chunk.length);
    this.batcher.push(chunk);
  }

  private record(chunk: Buffer): void {
    this.backlog.push(chunk);
    this.backlogSize += chunk.length;
    const limit = this.options.backlogBytes ?? 1024 * 1024;
    while (this.backlogSize > limit && this.backlog.length > 1) this.backlogSize -= this.backlog.shift()!.length;
    this.log?.write(chunk);
  }

  private async dial(status: 'connecting' | 'reconnecting'): Promise<void> {
    this.teardown();
    const generation = this.generation;
    this.setStatus(status, null);
    try {
      const target = this.options.target;
      if (target.transport === 'tcp' || target.transport === 'ipmi-sol') {
        const callbacks = { onData: (chunk: Buffer) => this.receive(generation, chunk), onClose: () => this.linkLost(generation) };
        this.channel =
          target.transport === 'tcp'
            ? await openTcpLink({ host: target.host, port: target.port, leaveWith: target.leaveWith, ...callbacks })
            : await openSolLink({
                host: target.host,
                port: target.port,
                username: target.username,
                password: this.options.credentials.password ?? '',
                cipherSuite: target.ipmi?.cipherSuite ?? 3,
                ipmitool: target.ipmi?.ipmitool ?? null,
                ...callbacks,
              });
        if (generation !== this.generation) return this.channel.destroy();
        this.attempt = 0;
        this.setStatus('connected', null);
        return;
      }
      const hops: SshHop[] = [...(target.jump ?? []), { ...target, username: `${target.username}${MODE_SUFFIX[this.mode]}` }];
      let sock: Duplex | undefined;
      for (const [index, hop] of hops.entries()) {
        const client = await this.connectHop(hop, sock, generation);
        if (index < hops.length - 1) {
          const next = hops[index + 1]!;
          sock = await new Promise<Duplex>((resolve, reject) =>
            client.forwardOut('127.0.0.1', 0, next.host, next.port, (error, stream) => (error ? reject(this.mapError(error, next)) : resolve(stream))),
          );
        } else {
          await this.openShell(client, generation);
        }
      }
      this.attempt = 0;
      this.setStatus('connected', null);
    } catch (cause) {
      if (generation !== this.generation) return;
      const error = cause instanceof AppError ? cause : this.mapError(cause as Error, this.options.target);
      this.teardown();
      this.fail(error);
    }
  }

  private fail(error: AppError): void {
    // Refusals a retry cannot fix (keys, host keys, console in use) stop here; the rest retry.
    if (this.wanted && error.retryable) return this.scheduleReconnect(error);
    this.wanted = false;
    this.setStatus('error', error.toData());
  }

  private scheduleReconnect(error: AppError): void {
    const policy = this.options.reconnect ?? { initialMs: 1_000, maxMs: 30_000, attempts: 8 };
    // After the fast attempts it never gives up while the tab is open: a gateway that comes back after
    // minutes (a BMC reset, a bastion reboot) is noticed within one slow interval.
    const slow = this.attempt >= policy.attempts;
    const delay = slow ? (this.options.slowRetryMs ?? SLOW_RETRY_MS) : Math.min(policy.maxMs, policy.initialMs * 2 ** this.attempt++);
    const when = `${Math.round(delay / 1000)} s`;
    this.setStatus('reconnecting', {
      ...error.toData(),
      message: slow ? `${error.message} Still trying every ${when}; press Reconnect now to try at once.` : `${error.message} Retrying in ${when}.`,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.wanted) void this.dial('reconnecting');
    }, delay);
  }

  private connectHop(hop: SshHop, sock: Duplex | undefined, generation: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      this.clients.push(client);
      let socket = sock;
      if (!socket) {
        // TCP_NODELAY: without it a keystroke can wait 44 ms for a delayed ACK (docs/architecture.md#console-fast-path).
        const tcp = net.connect({ host: hop.host, port: hop.port, noDelay: true });
        tcp.setNoDelay(true);
        socket = tcp;
      }
      let hostKeyError: AppError | null = null;
      client.once('ready', () => {
        client.on('close', () => this.linkLost(generation));
        resolve(client);
      });
      client.on('error', (error) => reject(hostKeyError ?? this.mapError(error, hop)));
      const { credentials } = this.options;
      const methods: AuthenticationType[] = [];
      if (credentials.agent) methods.push({ type: 'agent', username: hop.username, agent: credentials.agent } as never);
      for (const key of credentials.privateKeys) methods.push({ type: 'publickey', username: hop.username, key: key.key, passphrase: key.passphrase } as never);
      if (credentials.password !== undefined && hop === this.options.target)
        methods.push({ type: 'password', username: hop.username, password: credentials.password } as never);
      if (credentials.keyboardInteractive) {
        methods.push({
          type: 'keyboard-interactive',
          username: hop.username,
          // BMCs and some gateways ask for a password or OTP this way; the user answers in the UI.
          prompt: (name: string, instructions: string, _lang: string, prompts: { prompt: string; echo?: boolean }[], finish: (answers: string[]) => void) => {
            this.options.prompts
              .keyboardInteractive(
                hop.host,
                name,
                instructions,
                prompts.map((p) => ({ prompt: p.prompt, echo: p.echo ?? false })),
              )
              .then(
                (answers) => finish(answers ?? []),
                () => finish([]),
              );
          },
        } as never);
      }
      client.connect({
        sock: socket,
        host: hop.host,
        port: hop.port,
        username: hop.username,
        readyTimeout: 20_000,
        keepaliveInterval: hop.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: hop.keepaliveCountMax ?? 3,
        tryKeyboard: credentials.keyboardInteractive ?? false,
        authHandler: methods.length > 0 ? (methods as never) : undefined,
        algorithms: hop.legacyAlgorithms ? LEGACY_ALGORITHMS : undefined,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          // The answer can come long after the link died (a person deciding, a ready timeout, a
          // teardown). ssh2 1.17 then throws from verify (doFatalError on a destructed protocol:
          // "protocol._destruct is not a function"), which would be an unhandled rejection in main.
          const answer = (valid: boolean) => {
            if (generation !== this.generation) return;
            try {
              verify(valid);
            } catch {
              // The connection is gone already; its close or error path reports it.
            }
          };
          this.verifyHostKey(hop, key).then(
            () => answer(true),
            (error: AppError) => {
              hostKeyError = error;
              answer(false);
            },
          );
        },
      } as ConnectConfig);
    });
  }

  private async verifyHostKey(hop: SshHop, key: Buffer): Promise<void> {
    const parsed = utils.parseKey(key);
    const keyType = parsed instanceof Error ? 'unknown' : parsed.type;
    if (hop.pinnedFingerprint) {
      const seen = fingerprint(key);
      if (seen === hop.pinnedFingerprint) return;
      throw new AppError(
        'host_key_changed',
        `WARNING: the host key of ${hop.host}:${hop.port} is ${seen}, not the ${hop.pinnedFingerprint} written down for it. Someone may be intercepting this connection, or the server was reinstalled. Ironpane refused to connect; fix the pinned key if the change is expected.`,
        { retryable: false },
      );
    }
    const verdict = await this.options.knownHosts.check(hop.host, hop.port, keyType, key);
    if (verdict.kind === 'match') return;
    const print = fingerprint(key);
    const where = `${hop.host}${hop.port === 22 ? '' : `:${hop.port}`}`;
    if (verdict.kind === 'changed') {
      throw new AppError(
        'host_key_changed',
        verdict.revoked
          ? `The host key of ${where} (${print}) is marked @revoked in ${this.options.knownHosts.file}. Ironpane refused to connect.`
          : `WARNING: the host key of ${where} has CHANGED. It was ${verdict.knownFingerprint} and is now ${print}. Someone may be intercepting this connection, or the gateway was reinstalled. Ironpane refused to connect. If the change is expected, remove line ${verdict.line} of ${this.options.knownHosts.file} and connect again.`,
        { retryable: false },
      );
    }
    const accepted = await this.options.prompts.hostKey({ host: hop.host, port: hop.port, keyType, fingerprint: print });
    if (!accepted)
      throw new AppError('host_key_unknown', `You did not accept the host key of ${where} (${print}), so Ironpane did not connect.`, { retryable: false });
    await this.options.knownHosts.add(hop.host, hop.port, keyType, key);
  }

  private openShell(client: Client, generation: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // A serial line has no size; the pty only satisfies the gateway. "Sync size" tells the machine.
      client.shell({ term: 'xterm-256color', cols: 120, rows: 40 }, (error, channel) => {
        if (error) return reject(this.mapError(error, this.options.target));
        this.channel = sshLink(channel);
        let exitStatus: number | null = null;
        channel.on('data', (chunk: Buffer) => this.receive(generation, chunk));
        channel.stderr.on('data', () => undefined);
        channel.on('exit', (code: number | null) => {
          exitStatus = code;
        });
        channel.on('close', () => {
          if (generation !== this.generation) return;
          this.batcher.drain();
          if (exitStatus === CONSOLE_IN_USE_EXIT_STATUS) {
            this.teardown();
            this.wanted = false;
            this.setStatus(
              'error',
              new AppError('conflict', `The serial console of ${this.options.hostname} is in use by another session. Watch it read-only, or take over.`, {
                retryable: false,
              }).toData(),
            );
            return;
          }
          this.linkLost(generation);
        });
        resolve();
      });
    });
  }

  /** What the link read, from any transport: masked, recorded and passed on. */
  private receive(generation: number, chunk: Buffer): void {
    if (generation !== this.generation) return;
    if (!this.masker) return this.pass(chunk);
    this.pass(this.masker.push(chunk));
    this.flushMaskLater();
  }

  private linkLost(generation: number): void {
    if (generation !== this.generation) return;
    this.teardown();
    if (!this.wanted) return this.setStatus('closed', null);
    this.scheduleReconnect(new AppError('unreachable', `The connection to the console of ${this.options.hostname} dropped.`));
  }

  private mapError(error: Error & { level?: string; code?: string }, hop: SshHop): AppError {
    const where = `${hop.host}:${hop.port}`;
    if (error.level === 'client-authentication') {
      const tried =
        [this.options.credentials.agent ? 'the SSH agent' : '', ...this.options.credentials.privateKeys.map((k) => k.label)].filter(Boolean).join(', ') ||
        'no keys';
      return new AppError(
        'auth',
        `${where} refused the SSH login as ${hop.username} (tried ${tried}). Add your public key to the project or device, then reconnect.`,
        { retryable: false },
      );
    }
    if (error.level === 'client-timeout') return new AppError('timeout', `${where} stopped answering keepalives.`);
    if (error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENOTFOUND' || error.code === 'ECONNRESET') {
      return new AppError('unreachable', `Could not reach the serial gateway ${where} (${error.code}).`);
    }
    if (/Timed out while waiting for handshake/.test(error.message)) return new AppError('timeout', `${where} did not complete the SSH handshake in time.`);
    if (/no matching|Handshake failed/i.test(error.message)) {
      return new AppError(
        'invalid',
        `${where} offers only SSH algorithms Ironpane does not enable by default (${error.message}). Turn on legacy algorithms for this host if it is an old BMC.`,
        { retryable: false },
      );
    }
    return new AppError('unavailable', `The SSH connection to ${where} failed: ${error.message}`);
  }
}

/** An SSH shell channel as a console link: its BREAK is the RFC 4335 request, with want_reply. */
function sshLink(channel: ClientChannel): ConsoleLink {
  return {
    write: (data) => void channel.write(data),
    pause: () => void channel.pause(),
    resume: () => void channel.resume(),
    destroy: () => {
      channel.removeAllListeners();
      channel.destroy();
    },
    sendBreak: async (ms) => ({ reply: await sendBreak(channel, ms), label: BREAK_METHODS.ssh.label }),
  };
}
