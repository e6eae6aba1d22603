/**
 * Bounded JSON decoding, on its own so that worker programs (workers/) can bundle it without the
 * HTTP client around it.
 */
import { AppError } from '../../../shared/errors';

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * `JSON.parse` after a byte scan that refuses nesting deeper than `maxDepth`: the scan is linear and
 * allocates nothing, where parsing a few million levels stalls the event loop for seconds. A UTF-8
 * byte order mark is skipped. `what()` names the source in the error; the text is never quoted.
 */
export function parseJsonLimited(bytes: Buffer, maxDepth: number, what: () => string, notJsonError?: () => AppError): unknown {
  const notJson = (cause?: unknown): never => {
    throw notJsonError?.() ?? new AppError('unavailable', `${capitalise(what())} is not JSON.`, { cause, retryable: false });
  };
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x22) {
      // Jump over a string to its closing quote (one not escaped by an odd run of backslashes):
      // strings are most of an answer's bytes, and indexOf passes them at memchr speed.
      for (;;) {
        const close = bytes.indexOf(0x22, i + 1);
        if (close < 0) return notJson();
        let slashes = 0;
        while (bytes[close - 1 - slashes] === 0x5c) slashes++;
        i = close;
        if (slashes % 2 === 0) break;
      }
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > maxDepth)
        throw new AppError('unavailable', `${capitalise(what())} nests JSON deeper than ${maxDepth} levels; Ironpane refused it.`, { retryable: false });
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return JSON.parse(bytes.toString('utf8', start));
  } catch (cause) {
    return notJson(cause);
  }
}

/**
 * For a worker thread, where a parse that takes long stalls nobody: `JSON.parse` first (V8 parses
 * nesting without recursion), then a walk that refuses nesting deeper than `maxDepth` with the same
 * words as parseJsonLimited. Its byte scan cost 4 s of a 50,000-device first sync; the walk visits
 * only what was parsed, and the worker's own heap cap bounds the rest.
 */
export function parseJsonInWorker(bytes: Buffer, maxDepth: number, what: () => string, notJsonError?: () => AppError): unknown {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', start));
  } catch (cause) {
    throw notJsonError?.() ?? new AppError('unavailable', `${capitalise(what())} is not JSON.`, { cause, retryable: false });
  }
  // Depth-first without recursion, containers and their depths side by side; no array per object
  // visited (Object.values made the walk a third of the parse).
  const containers: object[] = [];
  const depths: number[] = [];
  if (typeof value === 'object' && value !== null) {
    containers.push(value);
    depths.push(1);
  }
  while (containers.length > 0) {
    const node = containers.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth > maxDepth)
      throw new AppError('unavailable', `${capitalise(what())} nests JSON deeper than ${maxDepth} levels; Ironpane refused it.`, { retryable: false });
    if (Array.isArray(node)) {
      for (const child of node as unknown[])
        if (typeof child === 'object' && child !== null) {
          containers.push(child);
          depths.push(depth + 1);
        }
      continue;
    }
    for (const key in node) {
      const child = node[key];
      if (typeof child === 'object' && child !== null) {
        containers.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return value;
}
