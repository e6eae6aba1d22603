/**
 * A console over plain TCP: a serial server's port (ser2net, a conserver port, Ironic's socat
 * console). Telnet is spoken only if the server starts it (telnet.ts). TCP carries no login and no
 * encryption: it belongs on a management network or loopback, which the connection's form says.
 */
import net from 'node:net';
import { AppError } from '../../../shared/errors';
import type { ConsoleLink } from './link';
import { TelnetCodec } from './telnet';

export interface TcpLinkOptions {
  host: string;
  port: number;
  /** How long the TCP connect may take. */
  connectTimeoutMs?: number;
  /** Written before closing on purpose (ipmitool's `~.` behind socat), so the far side ends its session. */
  leaveWith?: string;
  onData(chunk: Buffer): void;
  onClose(error: AppError | null): void;
}

const CONNECT_TIMEOUT_MS = 10_000;

export function openTcpLink(options: TcpLinkOptions): Promise<ConsoleLink> {
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host, port: options.port });
    const codec = new TelnetCodec();
    let open = false;
    const timer = setTimeout(
      () =>
        socket.destroy(
          new AppError('timeout', `${where} did not accept a TCP connection in ${Math.round((options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS) / 1000)} s.`),
        ),
      options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    );
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    socket.on('data', (chunk: Buffer) => {
      const { data, reply } = codec.receive(chunk);
      if (reply.length > 0) socket.write(reply);
      if (data.length > 0) options.onData(data);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const mapped =
        error instanceof AppError
          ? error
          : error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENOTFOUND' || error.code === 'ECONNRESET'
            ? new AppError('unreachable', `Could not reach the serial server ${where} (${error.code}).`)
            : new AppError('unavailable', `The TCP connection to ${where} failed: ${error.message}`);
      if (!open) reject(mapped);
      else options.onClose(mapped);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (open) options.onClose(null);
    });
    socket.on('connect', () => {
      clearTimeout(timer);
      open = true;
      resolve({
        write: (data) => void socket.write(codec.send(Buffer.isBuffer(data) ? data : Buffer.from(data))),
        pause: () => void socket.pause(),
        resume: () => void socket.resume(),
        destroy: () => {
          open = false;
          if (!options.leaveWith || !socket.writable) return void socket.destroy();
          // Flushed, then closed; a peer that never closes its side is cut after a second.
          socket.end(options.leaveWith);
          setTimeout(() => socket.destroy(), 1_000).unref();
        },
        sendBreak: async (ms) => {
          const sequence = codec.breakSequence();
          if (!sequence) return null;
          socket.write(sequence.on);
          if (sequence.off) {
            await new Promise((r) => setTimeout(r, ms));
            socket.write(sequence.off);
          }
          // Telnet has no acknowledgement for either form.
          return { reply: 'no-answer', label: sequence.label };
        },
      });
    });
  });
}
