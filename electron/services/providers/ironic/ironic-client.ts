/**
 * A client for OpenStack Ironic's Bare Metal API (https://docs.openstack.org/api-ref/baremetal/):
 * JSON over HTTP(S) with an API microversion on every call, auth none (standalone), HTTP basic
 * (`auth_strategy = http_basic`) or a Keystone token, every failure an AppError that names Ironic's
 * reason and says whether a retry can help.
 *
 * Microversions: `GET /` names the range the server speaks; the client sends the highest both know
 * (Ironpane is written against 1.82, Ironic 2023.1 "Antelope" / Debian bookworm's 21.4). Without the
 * header Ironic falls back to 1.1, where names are not identifiers, `fields=` is refused and a JSON
 * configdrive is a 400, so a server below what the features need is refused when it is added.
 */
import type { z } from 'zod';
import { isLoopbackHost } from '../../../../shared/endpoint';
import { AppError } from '../../../../shared/errors';
import { truncate } from '../../../../shared/plain-words';
import { pinnedCertificateCheck } from '../../net/certificate-pin';
import { PeerHttp } from '../../net/peer-http';
import { ErrorWire, InnerErrorWire, RootWire } from './wire';

/** The newest microversion this client was written against. */
export const CLIENT_MAX_VERSION = '1.82';
/** What the features need, each with the microversion that brought it (api-ref "API versions"). */
export const FEATURE_VERSIONS = {
  names: '1.5',
  fields: '1.8',
  rescue: '1.38',
  jsonConfigdrive: '1.56',
  history: '1.78',
} as const;
/** Below this Ironpane cannot reprovision with a config revision (a JSON configdrive), so the connection is refused. */
export const REQUIRED_VERSION = FEATURE_VERSIONS.jsonConfigdrive;

export type IronicAuth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'token'; token: string };

export interface IronicClientOptions {
  /** `https://ironic.example:6385`; `http://` only to this machine. */
  baseUrl: string;
  auth: IronicAuth;
  /** SHA-256 of the API's certificate (`AB:CD:…`) the user accepted; null before it is known. */
  pinnedFingerprint: string | null;
  timeoutMs?: number;
  onRequest?: (request: { method: string; url: URL; body: string | undefined }) => void;
}

export function compareVersions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}

export class IronicClient {
  readonly origin: string;
  private readonly http: PeerHttp;
  private version: string | null = null;
  private negotiating: Promise<string> | null = null;

  constructor(private readonly options: IronicClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && options.auth.kind !== 'none') {
      throw new AppError(
        'invalid',
        `Use https:// for Ironic at ${url.host}: over http:// its ${options.auth.kind === 'token' ? 'token' : 'password'} would cross the network in clear text (plain http is allowed only for this machine).`,
        { retryable: false },
      );
    }
    this.origin = url.origin;
    const timeoutMs = options.timeoutMs ?? 15_000;
    this.http = new PeerHttp({
      peer: `Ironic at ${url.host}`,
      origin: this.origin,
      // A page of 1,000 nodes with their instance_info is a few MiB; 32 MiB leaves room, never 1 GB.
      limits: { maxBytes: 32 * 1024 * 1024, idleMs: timeoutMs, deadlineMs: Math.max(timeoutMs * 4, 60_000) },
      verifyTls: url.protocol === 'https:' ? pinnedCertificateCheck('the Ironic API', url.host, options.pinnedFingerprint) : undefined,
      onRequest: options.onRequest,
    });
  }

  get host(): string {
    return new URL(this.origin).host;
  }

  /** The microversion this client sends, negotiated once from `GET /` (a refusal names what is missing). */
  negotiate(): Promise<string> {
    if (this.version) return Promise.resolve(this.version);
    this.negotiating ??= (async () => {
      try {
        const response = await this.http.request('/', { headers: { Accept: 'application/json', ...this.authHeader() } });
        const notIronic = () =>
          new AppError(
            'invalid',
            `${this.origin} is not an Ironic API: its root document names no API version range. Is this Ironic's address (port 6385 by default)?`,
            { retryable: false },
          );
        if (response.status === 401 || response.status === 403) throw this.errorFor('GET', '/', response.status, null);
        if (response.status >= 400) throw notIronic();
        const root = RootWire.safeParse(this.http.json(response, 'GET /', notIronic));
        if (!root.success) throw notIronic();
        const { min_version: min, version: max } = root.data.default_version;
        if (compareVersions(max, REQUIRED_VERSION) < 0) {
          throw new AppError(
            'invalid',
            `Ironic at ${this.host} speaks API versions ${min} to ${max}; Ironpane needs ${REQUIRED_VERSION} or later (a JSON configdrive for reprovisioning came in 1.56, rescue in 1.38). Upgrade Ironic to Stein (12.1) or later.`,
            { retryable: false },
          );
        }
        this.version = compareVersions(max, CLIENT_MAX_VERSION) < 0 ? max : CLIENT_MAX_VERSION;
        return this.version;
      } finally {
        this.negotiating = null;
      }
    })();
    return this.negotiating;
  }

  /** Whether the negotiated microversion has a feature (history needs 1.78). */
  async supports(feature: keyof typeof FEATURE_VERSIONS): Promise<boolean> {
    return compareVersions(await this.negotiate(), FEATURE_VERSIONS[feature]) >= 0;
  }

  async get<S extends z.ZodType>(path: string, schema: S, subject: string): Promise<z.infer<S>> {
    const body = await this.call('GET', path);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      throw new AppError('invalid', `Ironic's ${subject} at ${path.split('?')[0]} is not what Ironpane expects${where}: ${issue?.message ?? 'unreadable'}.`, {
        retryable: false,
      });
    }
    return parsed.data;
  }

  /** A write; Ironic answers 202 for actions it runs in the conductor (follow them by polling the node). */
  async send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    return this.call(method, path, body);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const version = await this.negotiate();
    const url = this.http.resolve(path, `a link (${truncate(path, 80)})`);
    const headers: Record<string, string> = { Accept: 'application/json', 'X-OpenStack-Ironic-API-Version': version, ...this.authHeader() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.http.request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = response.body.toString('utf8');
    if (response.status >= 400) {
      let said: string | null;
      try {
        said = faultOf(this.http.json(response, `${method} ${url.pathname}`));
      } catch {
        // An error answer that is not JSON (a proxy's page): the status alone speaks.
        said = null;
      }
      throw this.errorFor(method, url.pathname, response.status, said);
    }
    if (!text.trim()) return null;
    return this.http.json(
      response,
      `${method} ${url.pathname}`,
      () => new AppError('invalid', `Ironic at ${this.host} answered ${method} ${url.pathname} with something that is not JSON.`, { retryable: false }),
    );
  }

  private authHeader(): Record<string, string> {
    const auth = this.options.auth;
    if (auth.kind === 'basic') return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    if (auth.kind === 'token') return { 'X-Auth-Token': auth.token };
    return {};
  }

  private errorFor(method: string, path: string, status: number, said: string | null): AppError {
    const reason = said ? ` Ironic said: ${truncate(said, 400)}` : '';
    if (status === 401) {
      const what =
        this.options.auth.kind === 'none'
          ? 'It asks for credentials: choose HTTP basic or a Keystone token under Authentication.'
          : 'It refused the credentials.';
      return new AppError('auth', `Ironic at ${this.host} refused ${method} ${path}. ${what}${reason}`, { retryable: false });
    }
    if (status === 403) return new AppError('auth', `Ironic at ${this.host} does not allow this user to ${method} ${path}.${reason}`, { retryable: false });
    if (status === 404) return new AppError('not_found', `Ironic has nothing at ${path}.${reason}`, { retryable: false });
    if (status === 406)
      return new AppError('invalid', `Ironic at ${this.host} does not accept ${method} ${path} at API version ${this.version ?? '?'}.${reason}`, {
        retryable: false,
      });
    // "Node … is locked by host …, please retry after the current operation is completed."
    if (status === 409) return new AppError('conflict', `Ironic refused ${method} ${path} for now (409).${reason}`, { retryable: true });
    if (status === 400) return new AppError('invalid', `Ironic refused ${method} ${path}.${reason}`, { retryable: false });
    if (status === 429 || status === 503) return new AppError('unavailable', `Ironic at ${this.host} is busy (${status}); try again shortly.${reason}`);
    return new AppError('unavailable', `Ironic at ${this.host} answered ${status} to ${method} ${path}.${reason}`);
  }
}

/** Ironic's reason from an error body (`error_message` holds JSON text with `faultstring`). */
export function faultOf(body: unknown): string | null {
  const outer = ErrorWire.safeParse(body);
  if (!outer.success) return null;
  try {
    const inner = InnerErrorWire.safeParse(JSON.parse(outer.data.error_message));
    if (inner.success) return inner.data.faultstring ?? inner.data.description ?? inner.data.title ?? null;
  } catch {
    // Some middlewares put plain text there.
  }
  return outer.data.error_message;
}
