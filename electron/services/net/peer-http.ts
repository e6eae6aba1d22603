/**
 * Main's one HTTP client for every peer it talks to: provider APIs (Metal), update servers
 * (Nebraska), BMCs (Redfish) and schema mirrors. Each peer is untrusted (docs/architecture.md#what-ironpane-trusts),
 * so a `PeerHttp` is bound to exactly one origin (scheme, host, port) and enforces, on every call:
 *
 * - **Origin lock.** Paths and links from the peer's own answers are resolved against the origin the
 *   user added; a link to any other origin or scheme is refused before anything is sent, so a
 *   credential can never leave it (a BMC linking `Members` to another host drew Basic credentials there).
 * - **Redirects only within the origin**, at most 5, never carrying anything across.
 * - **A body cap** (checked against Content-Length first, then while reading: a 1.2 GB answer took
 *   main to 4.2 GB RSS), an **idle timeout** (no byte for that long: a BMC dripping one byte every 5 s
 *   held a request forever) and a **total deadline** per call.
 * - **A JSON depth limit**, checked by a byte scan before `JSON.parse` (3–4 M levels under the byte
 *   cap stalled main 1.2–2.6 s and Redfish kept 571 MiB of it).
 * - Errors say which peer misbehaved and how, and never quote its body.
 *
 * Built on undici's `request` with one `Agent` per peer: its `bodyTimeout` is the idle timeout, and its
 * `connect` hook lets a caller check a TLS certificate (a pinned BMC) on the socket before the first
 * byte of a request is written.
 */
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { AppError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/limits';
import { truncate } from '../../../shared/plain-words';
import { parseJsonLimited } from './json-limited';

export { parseJsonLimited };

export interface PeerLimits {
  /** The largest answer body read, in bytes. */
  maxBytes: number;
  /** The longest wait for the answer's headers or its next byte. */
  idleMs: number;
  /** The longest a whole call may take, from sending to the last byte. */
  deadlineMs: number;
  /** The deepest nesting of arrays and objects a JSON answer may have. */
  maxJsonDepth: number;
}

export const DEFAULT_PEER_LIMITS: PeerLimits = { maxBytes: 8 * 1024 * 1024, idleMs: 15_000, deadlineMs: 60_000, maxJsonDepth: 64 };

/** What is read of an error answer (4xx/5xx): enough for a peer's error message, never 300 MB of it. */
const ERROR_BODY_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface PeerHttpOptions {
  /** How messages name the peer: "The BMC at 10.0.0.5", "The update server nebraska.example". */
  peer: string;
  /** The origin the user added; nothing is ever sent anywhere else. */
  origin: string;
  limits?: Partial<PeerLimits>;
  /**
   * Checks each new TLS connection before anything is written on it (a pinned certificate); returns
   * the error to fail with, or null. When given, the chain is not checked by the CA store (BMC
   * certificates are self-signed): this check replaces it.
   */
  verifyTls?: (socket: TLSSocket) => Error | null;
  /** Sees every request as it leaves (tests count them; the contract test checks them against a spec). */
  onRequest?: (request: { method: string; url: URL; body: string | undefined }) => void;
}

export interface PeerRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  limits?: Partial<PeerLimits>;
  /** Follow redirects within the origin (default); `false` hands a 3xx back to the caller. */
  followRedirects?: boolean;
}

export interface PeerResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Where the answer came from, after any redirects (always on the peer's origin). */
  url: URL;
}

export class PeerHttp {
  readonly origin: string;
  readonly peer: string;
  private readonly limits: PeerLimits;
  private readonly dispatcher: Agent;

  constructor(private readonly options: PeerHttpOptions) {
    const origin = new URL(options.origin);
    if (origin.protocol !== 'https:' && origin.protocol !== 'http:')
      throw new AppError('invalid', `${options.peer}: only http:// and https:// addresses are supported.`, { retryable: false });
    this.origin = origin.origin;
    this.peer = options.peer;
    this.limits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
    const verify = options.verifyTls;
    let connect: Agent.Options['connect'] = { timeout: this.limits.idleMs };
    if (verify) {
      // No TLS session resumption: a resumed session shows no certificate to check.
      const base = buildConnector({ rejectUnauthorized: false, timeout: this.limits.idleMs, maxCachedSessions: 0 });
      connect = (opts, done) =>
        base(opts, (error, socket) => {
          if (error || !socket) return done(error ?? new Error('no socket'), null);
          const problem = verify(socket as TLSSocket);
          if (problem) {
            socket.destroy();
            return done(problem, null);
          }
          done(null, socket);
        });
    }
    this.dispatcher = new Agent({ connect, keepAliveTimeout: 4_000, headersTimeout: this.limits.idleMs, bodyTimeout: this.limits.idleMs });
  }

  /**
   * A path or a link from the peer's own answer, as a URL on the peer's origin; anything that points
   * elsewhere (another host, port or scheme, a protocol-relative `//host/…`) is refused, naming it.
   */
  resolve(pathOrLink: string, what = 'a link'): URL {
    let url: URL;
    try {
      url = new URL(pathOrLink, `${this.origin}/`);
    } catch {
      throw new AppError('invalid', `${this.peer} gave ${what} that is not a valid address (${truncate(pathOrLink, 120)}).`, { retryable: false });
    }
    if (url.origin !== this.origin) {
      throw new AppError(
        'invalid',
        `${this.peer} pointed ${what} at ${truncate(url.origin, 120)} (${truncate(pathOrLink, 120)}), another address than the one you added (${this.origin}). Ironpane sends nothing there.`,
        { retryable: false },
      );
    }
    return url;
  }

  /** One call, following redirects within the origin; the body is read under the caps. */
  async request(pathOrUrl: string | URL, init: PeerRequestInit = {}): Promise<PeerResponse> {
    const limits = { ...this.limits, ...init.limits };
    let url = typeof pathOrUrl === 'string' ? this.resolve(pathOrUrl, 'a path') : this.resolve(pathOrUrl.toString(), 'a path');
    let method = init.method ?? 'GET';
    let body = init.body;
    const deadline = AbortSignal.timeout(limits.deadlineMs);
    for (let hop = 0; ; hop++) {
      const response = await this.once(method, url, init.headers ?? {}, body, limits, deadline);
      if (!REDIRECT_STATUSES.has(response.status) || init.followRedirects === false) return response;
      const location = response.headers.location;
      if (!location)
        throw new AppError('unavailable', `${this.peer} answered ${response.status} (a redirect) to ${method} ${url.pathname} without saying where to.`);
      const next = this.resolve(new URL(location, url).toString(), `a redirect (${response.status} from ${url.pathname})`);
      if (hop >= MAX_REDIRECTS) throw new AppError('unavailable', `${this.peer} redirected ${method} ${url.pathname} more than ${MAX_REDIRECTS} times.`);
      // 303, and 301/302 after a POST, turn into a GET without a body (RFC 9110 §15.4).
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  /**
   * A long-lived answer read as it arrives (server-sent events), each chunk handed to `onChunk` with
   * the answer's content type (`onChunk` throwing ends the stream with that error).
   * The caps hold for the stream as a whole: `idleMs` between bytes, `deadlineMs` for its life and
   * `maxBytes` in all, after which the caller opens a new one. Resolves when the peer ends it or
   * `signal` aborts it; an answer other than 200 is an AppError (404 and 405 as `not_found`/`invalid`).
   * Redirects are not followed: a stream's address comes from the peer's own answer, checked here.
   */
  async stream(
    pathOrLink: string,
    init: { headers?: Record<string, string>; limits: Pick<PeerLimits, 'idleMs' | 'deadlineMs' | 'maxBytes'>; signal?: AbortSignal },
    onChunk: (chunk: Buffer, contentType: string) => void,
  ): Promise<{ contentType: string }> {
    const url = this.resolve(pathOrLink, `a stream link (${pathOrLink})`);
    const limits = { ...this.limits, ...init.limits };
    const deadline = AbortSignal.timeout(limits.deadlineMs);
    const signal = init.signal ? AbortSignal.any([deadline, init.signal]) : deadline;
    const call = `GET ${url.pathname}`;
    this.options.onRequest?.({ method: 'GET', url, body: undefined });
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(url, {
        method: 'GET',
        headers: init.headers ?? {},
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: limits.idleMs,
        bodyTimeout: limits.idleMs,
      });
    } catch (cause) {
      if (init.signal?.aborted) return { contentType: '' };
      throw this.failure(cause, call, limits, deadline);
    }
    const contentType = String(answer.headers['content-type'] ?? '');
    if (answer.statusCode !== 200) {
      // Drained (a little) rather than destroyed: a destroyed body emits an abort error no one hears.
      await answer.body.dump({ limit: ERROR_BODY_BYTES }).catch(() => undefined);
      const status = answer.statusCode;
      const code = status === 404 ? 'not_found' : status === 401 || status === 403 ? 'auth' : status === 405 || status === 501 ? 'invalid' : 'unavailable';
      throw new AppError(code, `${this.peer} answered ${status} to ${call}.`, { retryable: code === 'unavailable' });
    }
    let size = 0;
    try {
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limits.maxBytes) {
          throw new AppError('unavailable', `${this.peer} sent more than ${formatBytes(limits.maxBytes)} on ${call}; Ironpane opens it again.`);
        }
        onChunk(chunk, contentType);
      }
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      if (init.signal?.aborted) return { contentType };
      throw this.failure(cause, call, limits, deadline);
    }
    return { contentType };
  }

  /**
   * Parses an answer's body as JSON under the depth limit; names the peer and the call on failure.
   * `notJson` gives the caller's own words for an answer that is not JSON at all (what to check).
   */
  json(response: PeerResponse, what: string, notJson?: () => AppError): unknown {
    return parseJsonLimited(response.body, this.limits.maxJsonDepth, () => `${this.peer}'s answer to ${what}`, notJson);
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }

  private async once(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    limits: PeerLimits,
    deadline: AbortSignal,
  ): Promise<PeerResponse> {
    const call = `${method} ${url.pathname}`;
    this.options.onRequest?.({ method, url, body });
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body,
        dispatcher: this.dispatcher,
        signal: deadline,
        headersTimeout: limits.idleMs,
        bodyTimeout: limits.idleMs,
      });
    } catch (cause) {
      throw this.failure(cause, call, limits, deadline);
    }
    const status = answer.statusCode;
    const cap = status >= 300 ? Math.min(ERROR_BODY_BYTES, limits.maxBytes) : limits.maxBytes;
    const headerMap: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(answer.headers)) headerMap[key] = Array.isArray(value) ? value.join(', ') : value;
    const declared = Number(headerMap['content-length']);
    if (status < 300 && Number.isFinite(declared) && declared > cap) {
      answer.body.destroy();
      throw this.tooBig(call, cap);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > cap) {
          answer.body.destroy();
          // An error answer is cut to what a message needs; a real answer over the cap is refused.
          if (status >= 300) break;
          throw this.tooBig(call, cap);
        }
        chunks.push(chunk);
      }
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      throw this.failure(cause, call, limits, deadline);
    }
    return { status, headers: headerMap, body: Buffer.concat(chunks), url };
  }

  private tooBig(call: string, cap: number): AppError {
    return new AppError('unavailable', `${this.peer} sent more than ${formatBytes(cap)} in answer to ${call}; Ironpane stopped reading it.`, {
      retryable: false,
    });
  }

  private failure(cause: unknown, call: string, limits: PeerLimits, deadline: AbortSignal): AppError {
    if (cause instanceof AppError) return cause;
    if (deadline.aborted)
      return new AppError('timeout', `${this.peer} did not finish answering ${call} within ${seconds(limits.deadlineMs)}; Ironpane gave up.`, { cause });
    if (
      cause instanceof undiciErrors.HeadersTimeoutError ||
      cause instanceof undiciErrors.BodyTimeoutError ||
      cause instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new AppError('timeout', `${this.peer} went quiet for ${seconds(limits.idleMs)} while answering ${call}; Ironpane gave up.`, { cause });
    }
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
    const host = new URL(this.origin).host;
    if (code === 'ECONNREFUSED') {
      const said = this.peer.includes(host) ? `${this.peer} does not answer` : `Nothing answers at ${host} for ${lowerFirst(this.peer)}`;
      return new AppError('unreachable', `${said}; check the address and port.`, { cause });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return new AppError('unreachable', `The host name ${new URL(this.origin).hostname} does not resolve.`, { cause, retryable: code === 'EAI_AGAIN' });
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPROTO' || code.startsWith('ERR_SSL')) {
      return new AppError(
        'unreachable',
        `${this.peer} cut the connection during ${call} (${code}). If it speaks plain HTTP, write http://; if HTTPS, https://.`,
        { cause },
      );
    }
    return new AppError('unreachable', `Ironpane could not reach ${lowerFirst(this.peer)} for ${call}: ${(cause as Error | undefined)?.message ?? code}.`, {
      cause,
    });
  }
}

/**
 * A sync's request budget: how many requests one sync of a connection may send, worked out from what
 * the peer listed plus a margin. A peer that loops (a next link to itself) or claims an impossible
 * total ends the sync with an error naming the connection instead of drawing requests for ever.
 */
export class SyncBudget {
  private spent = 0;
  constructor(
    private readonly connection: string,
    private limit: number,
    /** No total a peer claims raises the budget past this. */
    private readonly ceiling = 5_000,
  ) {
    this.limit = Math.min(limit, ceiling);
  }

  /** Counts one request; throws once the budget is spent. */
  spend(what: string): void {
    if (++this.spent > this.limit) {
      throw new AppError(
        'unavailable',
        `${this.connection} needed more than ${this.limit} requests for one sync (at ${truncate(what, 120)}); Ironpane stopped the sync. The server may be listing the same pages in a loop.`,
        {
          retryable: false,
        },
      );
    }
  }

  /** Raises the limit once the peer has said how much there is (bounded by `ceiling`). */
  allow(more: number): void {
    this.limit = Math.min(this.ceiling, this.limit + Math.max(0, more));
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function lowerFirst(text: string): string {
  return /^The /.test(text) ? `the ${text.slice(4)}` : text;
}
