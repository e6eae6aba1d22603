/**
 * RFC 4335 "break" channel request for ssh2, which has no API for it. Built on ssh2 1.17.0's
 * internal packet writer (the version is pinned exactly in package.json; ssh-break.test.ts sends a
 * real break to a gateway and fails if this stops working). Wire format, RFC 4254 §5.4 + RFC 4335 §3:
 *   byte SSH_MSG_CHANNEL_REQUEST (98) | uint32 recipient | string "break" | boolean want_reply | uint32 ms
 */
// ssh2 1.17.0 has no "exports" map, so its internals can be imported by path.
import ssh2ProtocolUtils from 'ssh2/lib/protocol/utils.js';

const { sendPacket } = ssh2ProtocolUtils;

const SSH_MSG_CHANNEL_REQUEST = 98;

interface InternalChannel {
  outgoing: { id: number; state?: string };
  /** ssh2 answers each want-reply channel request by shifting one callback: (hadError) => void. */
  _callbacks: ((hadError: boolean) => void)[];
  _client: { _protocol: { _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(b: Buffer): Buffer } } } };
}

export type BreakReply = 'accepted' | 'refused' | 'no-answer';

/**
 * Sends a break with want_reply set and resolves with the server's answer: SSH_MSG_CHANNEL_SUCCESS
 * (accepted), SSH_MSG_CHANNEL_FAILURE (refused: OpenSSH's sshd answers so when it cannot pass the
 * break on), or nothing within `replyMs` (old gateways never answer a break).
 */
export function sendBreak(channel: unknown, ms = 500, replyMs = 2000): Promise<BreakReply> {
  const internal = channel as InternalChannel;
  const protocol = internal._client?._protocol;
  const writer = protocol?._packetRW?.write;
  if (!writer || internal.outgoing?.id === undefined || !Array.isArray(internal._callbacks)) throw new Error('ssh2 internals changed: cannot send BREAK');
  return new Promise((resolve) => {
    const answer = (hadError: boolean) => {
      clearTimeout(timer);
      resolve(hadError ? 'refused' : 'accepted');
    };
    const timer = setTimeout(() => {
      // Take our callback out, so a later reply is not read as this one's.
      const at = internal._callbacks.indexOf(answer);
      if (at >= 0) internal._callbacks.splice(at, 1);
      resolve('no-answer');
    }, replyMs);
    timer.unref?.();
    internal._callbacks.push(answer);
    let offset = writer.allocStart;
    const packet = writer.alloc(1 + 4 + 4 + 5 + 1 + 4);
    packet[offset] = SSH_MSG_CHANNEL_REQUEST;
    packet.writeUInt32BE(internal.outgoing.id, ++offset);
    packet.writeUInt32BE(5, (offset += 4));
    packet.write('break', (offset += 4), 'latin1');
    packet[(offset += 5)] = 1; // want_reply: so a refusal is shown, not silently lost
    packet.writeUInt32BE(ms, offset + 1);
    sendPacket(protocol, writer.finalize(packet));
  });
}
