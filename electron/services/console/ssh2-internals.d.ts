// The one ssh2 internal Ironpane uses (see ssh-break.ts); ssh2 is pinned to 1.17.0.
declare module 'ssh2/lib/protocol/utils.js' {
  const utils: { sendPacket(protocol: unknown, packet: Buffer): void };
  export default utils;
}
