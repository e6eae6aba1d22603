/**
 * The lab's serial-over-SSH gateway, in the style of Equinix Metal SOS (docs/architecture.md#console-fast-path):
 * `ssh <device-id>@gateway`, public-key auth against the account's keys, and you land on the
 * machine's serial port. One read-write session per machine; a second is told the console is in
 * use and may reconnect read-only (`<id>+ro`) or take over (`<id>+takeover`). RFC 4335 `break`
 * requests are honoured (ssh2's Server rejects them by default, so the handler is wrapped below).
 * `exec flood <MiB>` streams raw data for tests and benchmarks.
 */
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import ssh2, { type Connection, type ServerChannel, type Session } from 'ssh2';

// ssh2 is CommonJS without named-export hints: take what we need from its default export.
const { Server, utils } = ssh2;
import { CONSOLE_IN_USE_EXIT_STATUS, type NodeState } from '../../shared/model';
import type { LabFleet, Machine } from './lab-fleet';
import { SerialLine } from './serial/serial-line';

export interface SerialGatewayOptions {
  fleet: LabFleet;
  /** OpenSSH private key text for the gateway's host key (kept stable across launches by the caller). */
  hostKey: string;
  /** OpenSSH public keys allowed to log in (the vault's lab key, and the user's own). */
  authorizedKeys: () => string[];
}

const GATEWAY_BUFFER_BYTES = 64 * 1024;
/** Ports kept following machines nobody watches (their replay buffers): the most recently active ones. */
const MAX_KEPT_LINES = 512;
const NOTICE = (text: string) => `\r\n\x1b[1;33m[ironpane-lab]\x1b[0m ${text}\r\n`;

type Mode = 'rw' | 'ro' | 'takeover';

interface Viewer {
  channel: ServerChannel;
  mode: 'rw' | 'ro';
}

function parseUser(username: string): { deviceId: string; mode: Mode } {
  const [deviceId = '', suffix] = username.split('+');
  return { deviceId, mode: suffix === 'ro' ? 'ro' : suffix === 'takeover' ? 'takeover' : 'rw' };
}

function keyMatches(allowed: string, algo: string, data: Buffer): boolean {
  const parsed = utils.parseKey(allowed);
  if (parsed instanceof Error) return false;
  const blob = parsed.getPublicSSH();
  return parsed.type === algo && blob.length === data.length && timingSafeEqual(blob, data);
}

export class SerialGateway {
  private readonly server: InstanceType<typeof Server>;
  readonly lines = new Map<string, SerialLine>();
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly connections = new Set<Connection>();
  /** Answer break requests with failure, as an OpenSSH gateway without a tty does (tests of the refusal path). */
  refuseBreaks = false;
  private readonly detach: () => void;

  constructor(private readonly options: SerialGatewayOptions) {
    this.server = new Server({ hostKeys: [options.hostKey] }, (client) => this.onConnection(client));
    // Every port follows its machine whether or not anyone watches, as a serial server's buffer does:
    // a console opened mid-install shows the install so far, not a blank screen until the login prompt.
    const onTransition = (machine: Machine, from: NodeState, to: NodeState) => this.touch(machine.id).onTransition(from, to);
    options.fleet.events.on('transition', onTransition);
    this.detach = () => options.fleet.events.off('transition', onTransition);
  }

  async listen(port = 0): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    // After listening, a server error (or a client's handshake failing) must not take main down.
    this.server.on('error', () => undefined);
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    this.detach();
    for (const line of this.lines.values()) line.dispose();
    for (const client of this.connections) client.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Drops every SSH connection but keeps listening: what a gateway restart or a network blip looks like. */
  dropConnections(): void {
    for (const client of this.connections) client.end();
  }

  /** The machine's line, created if need be and marked most recently active; the oldest unwatched lines beyond MAX_KEPT_LINES are let go. */
  private touch(deviceId: string): SerialLine {
    const line = this.line(deviceId);
    this.lines.delete(deviceId);
    this.lines.set(deviceId, line);
    for (const [id, old] of this.lines) {
      if (this.lines.size <= MAX_KEPT_LINES) break;
      if ((this.viewers.get(id)?.size ?? 0) > 0) continue;
      old.dispose();
      this.lines.delete(id);
    }
    return line;
  }

  line(deviceId: string): SerialLine {
    let line = this.lines.get(deviceId);
    if (!line) {
      line = new SerialLine(this.options.fleet.get(deviceId), this.options.fleet);
      line.setWatched((this.viewers.get(deviceId)?.size ?? 0) > 0);
      this.lines.set(deviceId, line);
      line.on('data', (chunk) => this.broadcast(deviceId, chunk));
    }
    return line;
  }

  private broadcast(deviceId: string, chunk: Buffer): void {
    const line = this.lines.get(deviceId)!;
    for (const viewer of this.viewers.get(deviceId) ?? []) {
      // ssh2 buffers what the peer's window cannot take yet; past its high-water mark, hold the
      // machine's output until this viewer drains, so no byte is lost and nothing grows unbounded.
      if (!viewer.channel.write(chunk)) {
        line.setCongested(viewer, true);
        viewer.channel.once('drain', () => line.setCongested(viewer, false));
      }
    }
  }

  private onConnection(client: Connection): void {
    this.connections.add(client);
    client.on('close', () => this.connections.delete(client));
    client.on('error', () => undefined);
    let target: { deviceId: string; mode: Mode } | null = null;

    client.on('authentication', (ctx) => {
      const { deviceId, mode } = parseUser(ctx.username);
      if (!this.options.fleet.machines.has(deviceId)) return ctx.reject();
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const allowed = this.options.authorizedKeys().find((key) => keyMatches(key, ctx.key.algo, ctx.key.data));
      if (!allowed) return ctx.reject(['publickey']);
      // Without a signature the client is only asking whether the key would do (RFC 4252 §7).
      if (ctx.signature && ctx.blob) {
        const parsed = utils.parseKey(allowed);
        if (parsed instanceof Error || parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      }
      target = { deviceId, mode };
      ctx.accept();
    });

    this.hookBreak(client);

    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => this.attach(accept(), session, target!, client));
        session.on('exec', (accept, reject, info) => {
          const flood = /^flood (\d+)$/.exec(info.command);
          if (!flood) return reject();
          void this.rawFlood(accept(), Number(flood[1]));
        });
      });
    });
  }

  /**
   * ssh2 1.17.0's Server answers every channel request it does not know, `break` included, with
   * failure. Wrap its CHANNEL_REQUEST handler (internal API: ssh2 is pinned to this exact version
   * in package.json, and electron/lab/serial-gateway.test.ts proves the hook still fires) so a
   * `break` reaches the session as an event. RFC 4335 §3: uint32 break-length in ms.
   */
  private hookBreak(client: Connection): void {
    const internal = client as unknown as {
      _protocol: { _handlers: Record<string, (...args: unknown[]) => void>; channelSuccess(id: number): void; channelFailure(id: number): void };
      _chanMgr: { get(id: number): unknown };
    };
    const handlers = internal._protocol._handlers;
    const original = handlers.CHANNEL_REQUEST!;
    handlers.CHANNEL_REQUEST = (p: unknown, recipient: unknown, type: unknown, wantReply: unknown, data: unknown) => {
      if (type !== 'break') return original(p, recipient, type, wantReply, data);
      const session = internal._chanMgr.get(recipient as number) as (Session & { _chanInfo: { outgoing: { id: number } } }) | undefined;
      if (!session || typeof session !== 'object') return undefined;
      if (this.refuseBreaks) {
        // As OpenSSH's sshd does when it cannot pass a break on (no tty): SSH_MSG_CHANNEL_FAILURE.
        if (wantReply) internal._protocol.channelFailure(session._chanInfo.outgoing.id);
        return undefined;
      }
      const ms = Buffer.isBuffer(data) && data.length >= 4 ? data.readUInt32BE(0) : 0;
      session.emit('break' as never, ms as never);
      if (wantReply) internal._protocol.channelSuccess(session._chanInfo.outgoing.id);
      return undefined;
    };
  }

  private attach(channel: ServerChannel, session: Session, target: { deviceId: string; mode: Mode }, client: Connection): void {
    const machine = this.options.fleet.get(target.deviceId);
    const line = this.line(target.deviceId);
    const viewers = this.viewers.get(target.deviceId) ?? new Set<Viewer>();
    this.viewers.set(target.deviceId, viewers);
    const owner = [...viewers].find((v) => v.mode === 'rw');

    if (target.mode === 'rw' && owner) {
      channel.write(NOTICE(`The serial console of ${machine.hostname} is in use by another session. Connect read-only to watch, or take over.`));
      channel.exit(CONSOLE_IN_USE_EXIT_STATUS);
      channel.end();
      return;
    }
    if (target.mode === 'takeover' && owner) {
      owner.mode = 'ro';
      owner.channel.write(NOTICE('Another session took over this console. You are now watching read-only.'));
    }
    // As sshd does once a session is interactive (packet_set_interactive → set_nodelay): without it
    // an echo written while the previous one is unacknowledged waits for the client's delayed ACK,
    // ~40 ms, until the next keystroke carries that ACK along (the console bench's echo p99).
    // ssh2's server-side Connection has setNoDelay (lib/server.js); @types/ssh2 leaves it out.
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    const viewer: Viewer = { channel, mode: target.mode === 'ro' ? 'ro' : 'rw' };
    // ssh2 lets a channel buffer 2 MiB before write() says "slow down". A UART has a few bytes of
    // FIFO: keep the gateway's share of the backlog small so Ctrl-C during a flood echoes quickly.
    const writable = (channel as unknown as { _writableState?: { highWaterMark: number } })._writableState;
    if (writable) writable.highWaterMark = GATEWAY_BUFFER_BYTES;
    viewers.add(viewer);
    channel.write(
      NOTICE(
        `Serial console of ${machine.hostname} (${machine.facility.code}, 115200 8N1)${viewer.mode === 'ro' ? ', read-only: your keystrokes are not sent' : ''}. Press Enter if the screen is blank.`,
      ),
    );
    // What the port printed before this viewer came (the boot so far), then live output.
    const recent = line.recent();
    if (recent.length > 0) channel.write(recent);
    line.setWatched(true);

    channel.on('data', (data: Buffer) => {
      if (viewer.mode === 'rw') line.input(data);
    });
    session.on(
      'break' as never,
      (() => {
        if (viewer.mode === 'rw') line.sendBreak();
      }) as never,
    );
    const leave = () => {
      viewers.delete(viewer);
      line.viewerGone(viewer);
      if (viewers.size === 0) line.setWatched(false);
    };
    channel.on('close', leave);
    channel.on('error', leave);
  }

  private async rawFlood(channel: ServerChannel, mib: number): Promise<void> {
    const chunk = Buffer.alloc(64 * 1024, 'ironpane-flood-0123456789abcdefghijklmnopqrstuvwxyz\r\n');
    let remaining = mib * 1024 * 1024;
    let closed = false;
    channel.on('close', () => (closed = true));
    while (remaining > 0 && !closed) {
      const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
      remaining -= piece.length;
      if (!channel.write(piece)) await new Promise((resolve) => channel.once('drain', resolve));
    }
    if (!closed) {
      channel.exit(0);
      channel.end();
    }
  }
}
