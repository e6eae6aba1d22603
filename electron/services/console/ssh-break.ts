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
  _client: { _protocol: { _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(b: Buffer): Buffer } } } };
}

export function sendBreak(channel: unknown, ms = 500): void {
  const internal = channel as InternalChannel;
  const protocol = internal._client?._protocol;
  const writer = protocol?._packetRW?.write;
  if (!writer || internal.outgoing?.id === undefined) throw new Error('ssh2 internals changed: cannot send BREAK');
  let offset = writer.allocStart;
  const packet = writer.alloc(1 + 4 + 4 + 5 + 1 + 4);
  packet[offset] = SSH_MSG_CHANNEL_REQUEST;
  packet.writeUInt32BE(internal.outgoing.id, ++offset);
  packet.writeUInt32BE(5, (offset += 4));
  packet.write('break', (offset += 4), 'latin1');
  packet[(offset += 5)] = 0; // want_reply: false — nothing to wait for, and old gateways never answer
  packet.writeUInt32BE(ms, offset + 1);
  sendPacket(protocol, writer.finalize(packet));
}
