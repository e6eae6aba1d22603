/**
 * Size limits both ends of a transport agree on. They are in UTF-8 bytes, never characters: a
 * frame cap counted in bytes and a schema cap counted in characters let 400,000 × "€" (1.2 MB)
 * through validation and over the wire limit.
 */

/** The largest RPC message (request or reply frame) the web host accepts. */
export const MAX_RPC_MESSAGE_BYTES = 1_048_576;

/**
 * The largest `console.write` payload. Well under the message cap, so the JSON envelope and
 * escaping (a control character becomes six bytes) always fit; the renderer splits larger pastes.
 */
export const MAX_CONSOLE_WRITE_BYTES = 65_536;

/** UTF-8 length of a string without allocating (shared/ has no TextEncoder in its lib). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Splits text into pieces of at most `maxBytes` UTF-8 bytes, never inside a surrogate pair, so
 * each piece is valid on its own and the pieces join back to the original.
 */
export function splitUtf8(text: string, maxBytes = MAX_CONSOLE_WRITE_BYTES): string[] {
  if (maxBytes < 4) throw new Error('splitUtf8 needs room for one code point');
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    if (pair) i++;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/** A size in the words limits are stated in: "8 MiB", "64 KiB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
