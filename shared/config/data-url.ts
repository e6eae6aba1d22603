/**
 * Data URLs the way Butane writes them (coreos/butane base/util/url.go `MakeDataURL`): the shorter
 * of `data:,` + URL-escaped bytes and `data:;base64,` + base64. Butane may also gzip, but Node's gzip
 * is not byte-identical to Go's, so Ironpane never compresses: the same input always gives the same
 * output and the same hash.
 */

/** RFC 2396 unreserved characters stay literal; everything else is `%XX`, uppercase (vincent-petithory/dataurl `Escape`). */
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** UTF-8 bytes of a string (shared/ has no TextEncoder in its lib). */
export function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}

export function base64(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    out += BASE64[a >> 2]! + BASE64[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : BASE64[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : BASE64[c & 63]!;
  }
  return out;
}

export function escapeDataUrl(bytes: readonly number[]): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function makeDataUrl(text: string): string {
  const bytes = utf8Bytes(text);
  const escaped = `,${escapeDataUrl(bytes)}`;
  const encoded = `;base64,${base64(bytes)}`;
  return `data:${encoded.length < escaped.length ? encoded : escaped}`;
}
