/**
 * A spec-exact client for the Equinix Metal API v1 (and any Metal-compatible endpoint, such as the
 * embedded lab). Auth is the `X-Auth-Token` header; lists are followed to their last page; 429 and
 * 5xx are retried with backoff that honours `Retry-After`; every failure becomes an AppError a
 * person can act on. See docs/architecture.md#providers.
 */
import type { z } from 'zod';
import { baseUrlProblem } from '../../../../shared/endpoint';
import { forEachLimited } from '../../../../shared/concurrency';
import { AppError } from '../../../../shared/errors';
import { PeerHttp, type PeerResponse } from '../../net/peer-http';
import { RequestBudget, type RateLimit, type RequestPacer } from '../request-budget';
import { DevicePageReader } from './device-page-reader';
import type { PageDevice } from './device-pages';
import {
  DevicePageWire,
  DeviceWire,
  ErrorWire,
  EventListWire,
  FacilityListWire,
  MetroListWire,
  OperatingSystemListWire,
  PlanListWire,
  ProjectWire,
  UserdataWire,
  type DeviceActionInput,
} from './wire';

export interface MetalClientOptions {
  baseUrl: string;
  token: string;
  /** Sees every request as it leaves (tests count them). */
  onRequest?: (request: { method: string; url: URL }) => void;
  /** The longest quiet spell while waiting for an answer or its next byte. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx and network failures. */
  maxRetries?: number;
  /** First backoff step; doubles each retry, with jitter, capped at `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
  /**
   * The account's published request limit: requests are paced to stay within it (at most `limit`
   * in any `windowMs`), so a bulk operation runs at the limit instead of into 429s.
   */
  rateLimit?: { limit: number; windowMs: number } | null;
  /** Keeps that limit (a team's consoles share it through their store); a budget of this client's own when absent. */
  pacer?: (rate: RateLimit) => RequestPacer;
  /** The page worker's code; the bundled one by default, none (pages read inline) where the build did not bundle it. */
  pageReaderSource?: string | null;
}

/** How a device page is read into what the provider keeps (device-pages.ts). */
export interface DevicePageOptions {
  accountId: string;
  kind: 'lab' | 'metal';
  /** The list asked for the nested objects: whole nodes (else light fields). */
  whole: boolean;
  /** With a light list: the catalog its hrefs resolve against, for nodes without their details (device-pages.ts). */
  catalog?: Record<string, unknown>;
  onPaced?: (waitedMs: number) => void;
}

type Query = Record<string, string | number | readonly string[] | undefined>;

interface RequestOptions {
  /** Told how long the request waited for the account's request budget before it went out. */
  onPaced?: (waitedMs: number) => void;
  query?: Query;
  body?: unknown;
  /** What the caller is looking for, for 404 messages ("project 1234"). */
  subject?: string;
  /** The largest answer this request takes, where less than a device page's cap will do. */
  maxBytes?: number;
}

export const DEFAULT_PAGE_SIZE = 500;
/**
 * The most devices one project sync reads (4× the 50,000 a desktop is built for). A server that
 * claims more pages than that, or keeps sending `next` past it, ends the sync with an error.
 */
const MAX_DEVICES = 200_000;
const PAGE_CONCURRENCY = 4;
/** Answers larger than this let the event loop run between JSON.parse and the schema check. */
const YIELD_ABOVE_CHARS = 256 * 1024;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * The largest page Ironpane reads: a full 500-device page is 2–5 MB. A 400 MB answer took main to
 * 2.1 GB RSS and was called "ok" before this cap.
 */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** The largest page of the project's event log, catalog or device count Ironpane reads: 100 events are about 40 KB, a catalog a few KB. */
const MAX_SMALL_ANSWER_BYTES = 2 * 1024 * 1024;
/** The longest one request may take in all, however steadily the server drips. */
const REQUEST_DEADLINE_MS = 120_000;
/** Everything a device count leaves out of its one device. */
const COUNT_EXCLUDE = [
  'metro',
  'facility',
  'plan',
  'operating_system',
  'network_ports',
  'ip_addresses',
  'ssh_keys',
  'provisioning_events',
  'userdata',
  'customdata',
  'volumes',
  'project',
  'project_lite',
];
/** How deep a device page's JSON may nest (PeerHttp's default for every peer). */
const MAX_JSON_DEPTH = 64;

export class MetalClient {
  /**
   * Until when every request of this client holds back: a 429's Retry-After applies to the account,
   * not only to the request that got it (RFC 6585 §4), so concurrent steps of a bulk operation wait too.
   */
  private pausedUntil = 0;
  private readonly baseUrl: string;
  private readonly http: PeerHttp;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The account's request limit on our side (a sliding window; reads before writes when queued). */
  private readonly budget: RequestPacer | null;
  /** Reads device pages, off main's event loop where the build bundled the worker. */
  private readonly pages: DevicePageReader;

  constructor(private readonly options: MetalClientOptions) {
    const problem = baseUrlProblem(options.baseUrl);
    if (problem) throw new AppError('invalid', problem);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = new PeerHttp({
      peer: this.host,
      origin: new URL(this.baseUrl).origin,
      limits: { maxBytes: MAX_PAGE_BYTES, idleMs: options.timeoutMs ?? 30_000, deadlineMs: REQUEST_DEADLINE_MS },
      onRequest: options.onRequest ? ({ method, url }) => options.onRequest!({ method, url }) : undefined,
    });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.pages = new DevicePageReader(options.pageReaderSource);
    const limit = options.rateLimit;
    // Slack on the window (2 % and a quarter second): the server counts a request when it arrives, and
    // the first of a burst can arrive late (a new connection), moving the server's window after ours.
    const pacer = options.pacer ?? ((rate: RateLimit) => new RequestBudget(rate.limit, rate.windowMs));
    this.budget = limit && limit.limit > 0 ? pacer({ limit: limit.limit, windowMs: Math.ceil(limit.windowMs * 1.02 + 250) }) : null;
  }

  get host(): string {
    try {
      return new URL(this.baseUrl).host;
    } catch {
      return this.baseUrl;
    }
  }

  close(): Promise<void> {
    this.pages.stop();
    return this.http.close();
  }

  async getProject(projectId: string) {
    return this.request('GET', `/projects/${encodeURIComponent(projectId)}`, ProjectWire, { subject: `Project ${projectId}` });
  }

  /**
   * Every device in the project, de-duplicated by id in case the list shifted between pages.
   * Holds every page until the end: a caller that can take pages as they come uses eachDevicePage.
   */
  async listDevices(projectId: string, query: Query = {}, read: Partial<DevicePageOptions> = {}): Promise<PageDevice[]> {
    const byId = new Map<string, PageDevice>();
    await this.eachDevicePage(projectId, query, (devices) => devices.forEach((device) => byId.set(device.id, device)), read);
    return [...byId.values()];
  }

  /**
   * Every device in the project, handed to `onPage` a page at a time and not kept: at 10,000
   * devices, holding the parsed pages until the last one arrived made every young-generation GC
   * copy them (1.3 s of a 5 s first sync). Each page is decoded, checked and normalised by the page
   * reader, in a worker thread when the build bundled one (device-pages.ts). The first page tells
   * how many pages there are; the rest are fetched a few at a time (latency, not bandwidth,
   * dominates a remote API). Pages can overlap if the list shifted while paging.
   */
  async eachDevicePage(projectId: string, query: Query, onPage: (devices: PageDevice[]) => void, options: Partial<DevicePageOptions> = {}): Promise<void> {
    const path = `/projects/${encodeURIComponent(projectId)}/devices`;
    const subject = `Project ${projectId}`;
    const read = {
      accountId: options.accountId ?? projectId,
      kind: options.kind ?? 'metal',
      whole: options.whole ?? (Array.isArray(query.include) ? query.include.length > 0 : Boolean(query.include)),
      catalog: options.catalog,
    };
    const page = async (n: number, inline = false) => {
      const response = await this.exchange('GET', path, { query: { per_page: DEFAULT_PAGE_SIZE, ...query, page: n }, subject, onPaced: options.onPaced });
      return this.pages.read({ body: response.body, host: this.host, what: `GET ${response.url.pathname}`, maxJsonDepth: MAX_JSON_DEPTH, ...read }, inline);
    };
    // With no worker up, the first page is read here and the worker boots after it, while the rest
    // are on the wire: booting it beside that read slowed both on two cores (a 356 ms stall at 50,000).
    const workerUp = this.pages.workerUp;
    const first = await page(1, !workerUp);
    if (!workerUp) this.pages.warm();
    onPage(first.devices);
    const perPage = Math.max(1, Number(query.per_page ?? DEFAULT_PAGE_SIZE));
    const maxPages = Math.ceil(MAX_DEVICES / perPage);
    const overBudget = (pages: number | string) =>
      new AppError(
        'unavailable',
        `${this.host} lists ${pages} pages of devices for ${subject}, more than one sync reads (${MAX_DEVICES.toLocaleString('en')} devices); Ironpane stopped the sync.`,
        { retryable: false },
      );
    if (first.next && first.lastPage === null) {
      // No page count given: follow `next` one page at a time, within the budget.
      for (let n = 2, body = first; body.next && body.devices.length > 0; n++) {
        if (n > maxPages) throw overBudget(`over ${maxPages}`);
        body = await page(n);
        onPage(body.devices);
      }
      return;
    }
    const lastPage = first.next ? (first.lastPage ?? 1) : 1;
    if (lastPage > maxPages) throw overBudget(lastPage);
    const rest = Array.from({ length: Math.max(0, lastPage - 1) }, (_, i) => i + 2);
    await forEachLimited(rest, PAGE_CONCURRENCY, async (n) => onPage((await page(n)).devices));
  }

  async getDevice(deviceId: string, query: Query = {}) {
    return this.request('GET', `/devices/${encodeURIComponent(deviceId)}`, DeviceWire, { query, subject: `Device ${deviceId}` });
  }

  async listDeviceEvents(deviceId: string, perPage = 50) {
    const body = await this.request('GET', `/devices/${encodeURIComponent(deviceId)}/events`, EventListWire, {
      query: { per_page: perPage, page: 1 },
      subject: `Device ${deviceId}`,
    });
    return body.events;
  }

  /**
   * One page of the project's events, newest first (`GET /projects/{id}/events`): what the fleet
   * follows between full lists to learn which devices changed.
   */
  async listProjectEvents(projectId: string, page: number, perPage: number) {
    return this.request('GET', `/projects/${encodeURIComponent(projectId)}/events`, EventListWire, {
      query: { per_page: perPage, page },
      subject: `Project ${projectId}`,
      maxBytes: MAX_SMALL_ANSWER_BYTES,
    });
  }

  /** `GET /devices/{id}/userdata`: kept out of the device list, which would carry it for every node. */
  /**
   * How many devices the project has: one device, nothing nested (the answer's `meta.total`); null
   * when the endpoint does not say.
   */
  async countDevices(projectId: string): Promise<number | null> {
    const body = await this.request('GET', `/projects/${encodeURIComponent(projectId)}/devices`, DevicePageWire, {
      query: { per_page: 1, page: 1, exclude: COUNT_EXCLUDE },
      subject: `Project ${projectId}`,
      maxBytes: MAX_SMALL_ANSWER_BYTES,
    });
    return body.meta?.total ?? null;
  }

  /** Metros, facilities, plans and operating systems by their href: what a light device's nested hrefs name. */
  async catalog(): Promise<Record<string, unknown>> {
    const [metros, facilities, plans, systems] = await Promise.all([
      this.request('GET', '/locations/metros', MetroListWire, { maxBytes: MAX_SMALL_ANSWER_BYTES }),
      this.request('GET', '/facilities', FacilityListWire, { maxBytes: MAX_SMALL_ANSWER_BYTES }),
      this.request('GET', '/plans', PlanListWire, { maxBytes: MAX_SMALL_ANSWER_BYTES }),
      this.request('GET', '/operating-systems', OperatingSystemListWire, { maxBytes: MAX_SMALL_ANSWER_BYTES }),
    ]);
    const byHref: Record<string, unknown> = {};
    for (const entry of [...metros.metros, ...facilities.facilities, ...plans.plans, ...systems.operating_systems]) if (entry.href) byHref[entry.href] = entry;
    return byHref;
  }

  async listOperatingSystems() {
    return (await this.request('GET', '/operating-systems', OperatingSystemListWire)).operating_systems;
  }

  async getUserdata(deviceId: string): Promise<string> {
    const body = await this.request('GET', `/devices/${encodeURIComponent(deviceId)}/userdata`, UserdataWire, { subject: `Device ${deviceId}` });
    return body.userdata ?? '';
  }

  /** `PUT /devices/{id}` with `userdata`: what the next (re)install provisions with. */
  async setUserdata(deviceId: string, userdata: string): Promise<void> {
    await this.request('PUT', `/devices/${encodeURIComponent(deviceId)}`, null, { body: { userdata }, subject: `Device ${deviceId}` });
  }

  async deviceAction(deviceId: string, input: DeviceActionInput): Promise<void> {
    await this.request('POST', `/devices/${encodeURIComponent(deviceId)}/actions`, null, { body: input, subject: `Device ${deviceId}` });
  }

  async request<S extends z.ZodType | null>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<S extends z.ZodType ? z.output<S> : undefined> {
    return (await this.parse(await this.exchange(method, path, options), schema)) as never;
  }

  /** One request with the account's pacing, retries and backoff; a 2xx answer as it came, anything else as an AppError. */
  private async exchange(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<PeerResponse> {
    const url = this.url(path, options.query);
    const maxRetries = this.options.maxRetries ?? 4;
    // The request that got the 429 has waited its Retry-After itself; the others wait at the gate.
    let waitedOwnDelay = false;
    for (let attempt = 0; ; attempt++) {
      const hold = this.pausedUntil - Date.now();
      if (hold > 0 && !waitedOwnDelay) await this.sleep(hold);
      waitedOwnDelay = false;
      let response: PeerResponse;
      try {
        if (this.budget) {
          // Reads first when requests queue: they let running operations verify; writes start new work.
          const waited = await this.budget.take(method === 'GET' ? 'read' : 'write');
          options.onPaced?.(waited);
        }
        response = await this.send(method, url, options.body, options.maxBytes);
      } catch (cause) {
        const error = cause as AppError;
        // A refused redirect, an answer over the cap: retrying cannot help. A POST that never got an
        // answer may have been applied: do not repeat it blindly.
        if (error.retryable && attempt < maxRetries && method === 'GET') {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw error;
      }

      if (response.status >= 200 && response.status < 300) return response;

      const retryable = response.status === 429 || (response.status >= 500 && method === 'GET');
      if (retryable && attempt < maxRetries) {
        const delay = retryAfterMs(response.headers['retry-after'] ?? null, this.options.maxBackoffMs) ?? this.backoff(attempt);
        if (response.status === 429) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delay);
        await this.sleep(delay);
        waitedOwnDelay = true;
        continue;
      }
      throw this.httpError(response, options.subject);
    }
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      // include/exclude are `style: form, explode: false`: one comma-separated value.
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url.toString();
  }

  /**
   * Sends one request through the account's PeerHttp: redirects are followed only within the base
   * URL's origin, so the token never goes anywhere else (`fetch` would forward custom headers such as
   * X-Auth-Token to wherever a Location points; the Fetch standard §4.4 strips only Authorization).
   */
  private send(method: string, url: string, body: unknown, maxBytes?: number): Promise<PeerResponse> {
    return this.http.request(url, {
      method,
      headers: { 'X-Auth-Token': this.options.token, Accept: 'application/json', 'User-Agent': this.options.userAgent ?? 'ironpane/0.1' },
      body: body === undefined ? undefined : JSON.stringify(body),
      limits: maxBytes === undefined ? undefined : { maxBytes },
    });
  }

  private async parse(response: PeerResponse, schema: z.ZodType | null): Promise<unknown> {
    if (schema === null || response.status === 204) return undefined;
    const json = this.http.json(
      response,
      `GET ${response.url.pathname}`,
      () => new AppError('unavailable', `${this.host} answered with something that is not JSON. Check the base URL points at a Metal API (…/metal/v1).`),
    );
    // A large answer: let the event loop run between decoding it and checking it.
    if (response.body.length > YIELD_ABOVE_CHARS) await yieldToEventLoop();
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.shapeError(parsed.error.issues, '');
    return parsed.data;
  }

  private shapeError(issues: z.core.$ZodIssue[], prefix: string): AppError {
    return new AppError('unavailable', `${this.host} answered in a shape Ironpane does not recognise. Check the base URL points at a Metal API (…/metal/v1).`, {
      detail: issues
        .slice(0, 5)
        .map((i) => `${prefix}${i.path.join('.')}: ${i.message}`)
        .join('\n'),
    });
  }

  private httpError(response: PeerResponse, subject = 'The resource'): AppError {
    let reason = '';
    try {
      const body = ErrorWire.parse(JSON.parse(response.body.toString('utf8')));
      reason = [body.error, ...(body.errors ?? [])].filter(Boolean).join('; ').slice(0, 300);
    } catch {
      // A load balancer's HTML page, or nothing: keep the status only.
    }
    const suffix = reason ? ` (${reason})` : '';
    switch (response.status) {
      case 401:
        return new AppError('auth', `${this.host} rejected the API token. Check the token is current and has access to this project.`, {
          detail: reason || undefined,
        });
      case 403:
        return new AppError('auth', `The API token is not allowed to do this on ${this.host}${suffix}.`);
      case 404:
        return new AppError('not_found', `${subject} was not found on ${this.host}.`, { detail: reason || undefined });
      case 422:
        return new AppError('invalid', `${this.host} refused the request${suffix}.`);
      case 429:
        return new AppError('rate_limited', `${this.host} is rate-limiting requests. Wait a minute, then retry.`);
      default:
        if (response.status >= 500) return new AppError('unavailable', `${this.host} had a server error (${response.status})${suffix}. Retry shortly.`);
        return new AppError('internal', `${this.host} answered ${response.status}${suffix}.`);
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.baseBackoffMs ?? 500;
    const cap = this.options.maxBackoffMs ?? 30_000;
    const exp = Math.min(cap, base * 2 ** attempt);
    // Full jitter between half and all of the step, so many clients do not retry in lockstep.
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, capMs = 60_000): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(capMs, seconds * 1000);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - Date.now()));
}
