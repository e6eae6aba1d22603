/**
 * A Redfish client (DMTF DSP0266) for one BMC: JSON over HTTPS, Basic auth or a Redfish session
 * (`POST SessionService/Sessions` → `X-Auth-Token`, deleted on close), every failure an AppError a
 * person can act on.
 *
 * BMC certificates are almost always self-signed, so the CA chain cannot vouch for them. Trust works
 * like SSH host keys (docs/architecture.md#connections): the certificate's SHA-256 fingerprint is
 * pinned when the connection is added after the user accepts it; a different one later is refused
 * loudly. The check happens on the TLS socket before a single byte of the request (and so before the
 * password) is written.
 */
import tls from 'node:tls';
import type { z } from 'zod';
import { isLoopbackHost } from '../../../../shared/endpoint';
import { AppError } from '../../../../shared/errors';
import { fingerprintOf, pinnedCertificateCheck } from '../../net/certificate-pin';
import { PeerHttp } from '../../net/peer-http';
import { RedfishErrorWire, ServiceRootWire, TaskWire } from './wire';

export interface RedfishClientOptions {
  /** `https://bmc.example` or `https://bmc.example/redfish/v1`; `http://` only to this machine. */
  baseUrl: string;
  username: string;
  password: string;
  auth: 'basic' | 'session';
  /** SHA-256 of the BMC's certificate (`AB:CD:…`) the user accepted; null before it is known. */
  pinnedFingerprint: string | null;
  timeoutMs?: number;
}

export interface RedfishResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

const SERVICE_ROOT = '/redfish/v1';

export class RedfishClient {
  readonly origin: string;
  private sessionToken: string | null = null;
  private sessionUri: string | null = null;
  private loggingIn: Promise<void> | null = null;
  private readonly http: PeerHttp;

  constructor(private readonly options: RedfishClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new AppError(
        'invalid',
        `Use https:// for the BMC at ${url.host}: over http:// its password would cross the network in clear text (plain http is allowed only for this machine).`,
        { retryable: false },
      );
    }
    this.origin = url.origin;
    const timeoutMs = options.timeoutMs ?? 15_000;
    this.http = new PeerHttp({
      peer: `The BMC at ${url.host}`,
      origin: this.origin,
      // A BMC's answers are small; 8 MiB is ample for a log service page.
      limits: { maxBytes: 8 * 1024 * 1024, idleMs: timeoutMs, deadlineMs: Math.max(timeoutMs * 4, 60_000) },
      verifyTls: url.protocol === 'https:' ? pinnedCertificateCheck('the BMC', url.host, options.pinnedFingerprint) : undefined,
    });
  }

  get host(): string {
    return new URL(this.origin).hostname;
  }

  /** The certificate the BMC presents now, without sending anything: for the "trust this BMC?" question. */
  async peerFingerprint(): Promise<string | null> {
    const url = new URL(this.origin);
    if (url.protocol !== 'https:') return null;
    const socket = await this.tlsSocket(url);
    const fingerprint = fingerprintOf(socket);
    socket.destroy();
    return fingerprint;
  }

  async serviceRoot(): Promise<ServiceRootWire> {
    return this.get(`${SERVICE_ROOT}/`, ServiceRootWire, 'the service root');
  }

  async get<S extends z.ZodType>(path: string, schema: S, subject: string): Promise<z.infer<S>> {
    const response = await this.request('GET', path);
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      throw new AppError(
        'invalid',
        `The BMC's ${subject} at ${path} is not the Redfish resource Ironpane expects${where}: ${issue?.message ?? 'unreadable'}.`,
        { retryable: false },
      );
    }
    return parsed.data;
  }

  /** Sends a write; follows a `202 Accepted` task monitor until the task ends (DSP0266 §13.2 "Asynchronous operations"). */
  async send(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<RedfishResponse> {
    const response = await this.request(method, path, body);
    if (response.status !== 202) return response;
    const monitor = response.headers.location ?? null;
    if (!monitor) return response;
    const deadline = Date.now() + 120_000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const poll = await this.request('GET', monitor);
      if (poll.status !== 202) {
        const task = TaskWire.safeParse(poll.body);
        if (task.success && task.data.TaskState && ['Exception', 'Killed', 'Cancelled'].includes(task.data.TaskState)) {
          const why =
            task.data.Messages?.map((m) => m.Message)
              .filter(Boolean)
              .join(' ') || task.data.TaskState;
          throw new AppError('conflict', `The BMC's task for ${method} ${path} ended ${task.data.TaskState}: ${why}`, { retryable: false });
        }
        return poll;
      }
      if (Date.now() > deadline) throw new AppError('timeout', `The BMC's task for ${method} ${path} did not finish in 2 minutes.`);
    }
  }

  /**
   * Reads a server-sent event stream (DSP0266 §13.5 "Server-sent events"), with the same origin
   * lock, pinned certificate and credentials as every call, handing each chunk on as it arrives
   * (PeerHttp.stream holds its caps). A refused session is dropped so the next stream logs in again.
   */
  async stream(
    path: string,
    limits: { idleMs: number; deadlineMs: number; maxBytes: number },
    signal: AbortSignal,
    onChunk: (chunk: Buffer, contentType: string) => void,
  ): Promise<{ contentType: string }> {
    if (this.options.auth === 'session' && !this.sessionToken) await this.login();
    try {
      return await this.http.stream(path, { headers: { Accept: 'text/event-stream', 'OData-Version': '4.0', ...this.authHeader() }, limits, signal }, onChunk);
    } catch (error) {
      if (error instanceof AppError && error.code === 'auth' && this.options.auth === 'session') {
        this.sessionToken = null;
        this.sessionUri = null;
      }
      throw error;
    }
  }

  /** Deletes the Redfish session, if one was made: BMCs allow only a few at a time. */
  async close(): Promise<void> {
    const uri = this.sessionUri;
    this.sessionUri = null;
    if (uri) {
      try {
        await this.raw('DELETE', uri, undefined, this.authHeader());
      } catch {
        // The session expires on its own; a BMC that is gone (or that linked its session elsewhere) cannot be logged out of.
      }
    }
    this.sessionToken = null;
    await this.http.close();
  }

  private async request(method: string, path: string, body?: unknown, retriedLogin = false): Promise<RedfishResponse> {
    if (this.options.auth === 'session' && !this.sessionToken) await this.login();
    const response = await this.raw(method, path, body, this.authHeader());
    if (response.status === 401 && this.options.auth === 'session' && !retriedLogin) {
      // An expired or revoked session: log in again once, then give up.
      this.sessionToken = null;
      this.sessionUri = null;
      return this.request(method, path, body, true);
    }
    if (response.status >= 400) throw this.errorFor(method, path, response);
    return response;
  }

  private authHeader(): Record<string, string> {
    if (this.options.auth === 'session') return this.sessionToken ? { 'X-Auth-Token': this.sessionToken } : {};
    return { Authorization: `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}` };
  }

  private login(): Promise<void> {
    this.loggingIn ??= (async () => {
      try {
        // The service root is readable without authentication (DSP0266 §13.3.1); it links the sessions.
        const root = await this.raw('GET', `${SERVICE_ROOT}/`, undefined, {});
        const parsed = ServiceRootWire.safeParse(root.body);
        const offered = root.status < 400 && parsed.success && (parsed.data.SessionService || parsed.data.Links?.Sessions);
        const sessionsPath = (parsed.success ? parsed.data.Links?.Sessions?.['@odata.id'] : null) ?? `${SERVICE_ROOT}/SessionService/Sessions`;
        // Checked before the password is put in a body: a Sessions link to another origin is refused here.
        this.http.resolve(sessionsPath, `its Sessions link (${sessionsPath})`);
        const created = offered ? await this.raw('POST', sessionsPath, { UserName: this.options.username, Password: this.options.password }, {}) : null;
        if (!created || created.status === 404 || created.status === 405) {
          throw new AppError('invalid', `The BMC at ${this.origin} offers no Redfish sessions; choose Basic authentication instead.`, { retryable: false });
        }
        if (created.status >= 400) throw this.errorFor('POST', sessionsPath, created);
        const token = created.headers['x-auth-token'];
        if (typeof token !== 'string' || !token) {
          throw new AppError('invalid', `The BMC at ${this.origin} created a session but sent no X-Auth-Token; choose Basic authentication instead.`, {
            retryable: false,
          });
        }
        this.sessionToken = token;
        this.sessionUri = created.headers.location ?? null;
      } finally {
        this.loggingIn = null;
      }
    })();
    return this.loggingIn;
  }

  private errorFor(method: string, path: string, response: RedfishResponse): AppError {
    const parsed = RedfishErrorWire.safeParse(response.body);
    const extended = parsed.success
      ? parsed.data.error['@Message.ExtendedInfo']
          ?.map((m) => m.Message)
          .filter(Boolean)
          .join(' ')
      : '';
    const said = (extended || (parsed.success ? parsed.data.error.message : '') || '').slice(0, 300);
    const suffix = said ? ` The BMC said: ${said}` : '';
    if (response.status === 401) return new AppError('auth', `The BMC at ${this.origin} refused the user name or password.${suffix}`, { retryable: false });
    if (response.status === 403)
      return new AppError('auth', `The BMC user may not ${method} ${path}; it needs a role that allows it.${suffix}`, { retryable: false });
    if (response.status === 404) return new AppError('not_found', `The BMC has nothing at ${path}.${suffix}`, { retryable: false });
    if (response.status === 400 || response.status === 405 || response.status === 409) {
      return new AppError('invalid', `The BMC refused ${method} ${path} (${response.status}).${suffix}`, { retryable: false });
    }
    if (response.status === 503 || response.status === 429)
      return new AppError('unavailable', `The BMC at ${this.origin} is busy (${response.status}); try again shortly.${suffix}`);
    return new AppError('unavailable', `The BMC at ${this.origin} answered ${response.status} to ${method} ${path}.${suffix}`);
  }

  private tlsSocket(url: URL): Promise<tls.TLSSocket> {
    const port = Number(url.port || 443);
    return new Promise((resolve, reject) => {
      // The chain is not checked (self-signed is the norm); the pinned fingerprint is.
      const socket = tls.connect({ host: url.hostname, port, servername: net_isIp(url.hostname) ? undefined : url.hostname, rejectUnauthorized: false });
      socket.setTimeout(this.options.timeoutMs ?? 15_000, () =>
        socket.destroy(new AppError('timeout', `The BMC at ${url.host} did not finish the TLS handshake.`)),
      );
      socket.once('error', (cause) => reject(networkError(url, cause)));
      socket.once('secureConnect', () => {
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }

  /**
   * One call through the BMC's PeerHttp: `path` may be a link from the BMC's own answer, and is
   * refused, naming it, when it points at any other origin than the one the user added (a BMC that
   * linked `Members` elsewhere drew the credentials there).
   */
  private async raw(method: string, path: string, body: unknown, auth: Record<string, string>): Promise<RedfishResponse> {
    const url = this.http.resolve(path, `a link (${path})`);
    const headers: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...auth };
    const response = await this.http.request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), followRedirects: false });
    const text = response.body.toString('utf8');
    const type = String(response.headers['content-type'] ?? '');
    let parsed: unknown = null;
    if (text.trim()) {
      if (/html/i.test(type) || /^\s*</.test(text)) {
        throw new AppError(
          'invalid',
          `The server at ${url.origin} answered ${method} ${url.pathname} with a web page, not Redfish JSON. Is this the BMC's Redfish address (it serves /redfish/v1)?`,
          { retryable: false },
        );
      }
      try {
        parsed = this.http.json(response, `${method} ${url.pathname}`);
      } catch (error) {
        if (response.status >= 400)
          parsed = null; // an error answer cut at its cap: keep the status
        else throw error;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

function net_isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function networkError(url: URL, cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return new AppError('unreachable', `Nothing answers at ${url.host}; check the BMC address and port.`, { cause });
  if (code === 'ENOTFOUND') return new AppError('unreachable', `The BMC host name ${url.hostname} does not resolve.`, { cause, retryable: false });
  if (code === 'ECONNRESET' || code === 'EPROTO' || code.startsWith('ERR_SSL')) {
    return new AppError('unreachable', `The connection to ${url.host} was cut (${code}). If the BMC speaks plain HTTP, write http://; if HTTPS, https://.`, {
      cause,
    });
  }
  return new AppError('unreachable', `Ironpane could not reach the BMC at ${url.host}: ${(cause as Error).message ?? code}.`, { cause });
}
