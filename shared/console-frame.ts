/**
 * Console bytes on the WebSocket travel as binary frames, not JSON: `[u8 id length][id (ASCII)][bytes]`.
 * JSON would need base64 (+33 %) and a decode per chunk on the hot path.
 */
export function encodeConsoleFrame(sessionId: string, data: Uint8Array): Uint8Array {
  // Session ids are UUIDs: ASCII, so one byte per character (shared/ has no TextEncoder).
  if (sessionId.length > 255 || /[^\x20-\x7e]/.test(sessionId)) throw new Error('console frames need a short ASCII session id');
  const id = Uint8Array.from(sessionId, (c) => c.charCodeAt(0));
  const frame = new Uint8Array(1 + id.length + data.length);
  frame[0] = id.length;
  frame.set(id, 1);
  frame.set(data, 1 + id.length);
  return frame;
}

export function decodeConsoleFrame(frame: Uint8Array): { sessionId: string; data: Uint8Array } {
  const length = frame[0] ?? 0;
  return { sessionId: String.fromCharCode(...frame.subarray(1, 1 + length)), data: frame.subarray(1 + length) };
}
