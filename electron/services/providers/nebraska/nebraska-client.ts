/**
 * A spec-exact client for Nebraska's management API (its OpenAPI document; docs/architecture.md#os-updates):
 * base URL, application (uuid or product id), optional bearer token. Every answer is validated; an
 * HTML page, a 500 or a wrong shape becomes an AppError that says which server and what to check.
 * Redirects are refused, so the token only ever goes to the configured origin.
 */
import type { z } from 'zod';
import { baseUrlProblem } from '../../../../shared/endpoint';
import { AppError } from '../../../../shared/errors';
import type { HttpFetch } from '../../ports';
import {
  ActivityPageWire,
  AppsPageWire,
  ChannelPageWire,
  ChannelWire,
  ErrorResponseWire,
  GroupPageWire,
  GroupWire,
  InstancePageWire,
  InstanceStatsWire,
  PackagePageWire,
  StatusHistoryWire,
  StatusTimelineWire,
  VersionBreakdownWire,
  VersionTimelineWire,
  type ChannelConfigWire,
  type GroupConfigWire,
} from './wire';

export interface NebraskaClientOptions {
  baseUrl: string;
  app: string;
  token?: string | null;
  fetch?: HttpFetch;
  timeoutMs?: number;
  /** Sees every request the client sends (the contract test checks them against the spec). */
  onRequest?: (request: { method: string; path: string; query: Record<string, string>; body: unknown }) => void;
}

type Query = Record<string, string | number | undefined>;
export type Duration = '1h' | '1d' | '7d' | '30d';

const MAX_PER_PAGE = 1000;
const MAX_PAGES = 200;

export class NebraskaClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: HttpFetch;

  constructor(private readonly options: NebraskaClientOptions) {
    const problem = baseUrlProblem(options.baseUrl);
    if (problem) throw new AppError('invalid', problem);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  private get host(): string {
    return new URL(this.baseUrl).host;
  }

  private get appPath(): string {
    return `/api/apps/${encodeURIComponent(this.options.app)}`;
  }

  async apps() {
    return (await this.request('GET', '/api/apps', AppsPageWire, { query: { page: 1, perpage: 100 } })).applications;
  }

  async groups() {
    return this.allPages((page) => this.request('GET', `${this.appPath}/groups`, GroupPageWire, { query: { page, perpage: 100 } }), (p) => p.groups, (p) => p.totalCount);
  }

  group(groupId: string) {
    return this.request('GET', `${this.appPath}/groups/${encodeURIComponent(groupId)}`, GroupWire, { subject: 'That group' });
  }

  updateGroup(groupId: string, config: GroupConfigWire) {
    return this.request('PUT', `${this.appPath}/groups/${encodeURIComponent(groupId)}`, GroupWire, { body: config, subject: 'That group' });
  }

  async channels() {
    return this.allPages((page) => this.request('GET', `${this.appPath}/channels`, ChannelPageWire, { query: { page, perpage: 100 } }), (p) => p.channels, (p) => p.totalCount);
  }

  updateChannel(channelId: string, config: ChannelConfigWire) {
    return this.request('PUT', `${this.appPath}/channels/${encodeURIComponent(channelId)}`, ChannelWire, { body: config, subject: 'That channel' });
  }

  async packages() {
    return this.allPages((page) => this.request('GET', `${this.appPath}/packages`, PackagePageWire, { query: { page, perpage: 100 } }), (p) => p.packages, (p) => p.totalCount);
  }

  stats(groupId: string, duration: Duration) {
    return this.request('GET', `${this.groupPath(groupId)}/instances_stats`, InstanceStatsWire, { query: { duration } });
  }

  versionBreakdown(groupId: string) {
    return this.request('GET', `${this.groupPath(groupId)}/version_breakdown`, VersionBreakdownWire);
  }

  statusTimeline(groupId: string, duration: Duration) {
    return this.request('GET', `${this.groupPath(groupId)}/status_timeline`, StatusTimelineWire, { query: { duration } });
  }

  versionTimeline(groupId: string, duration: Duration) {
    return this.request('GET', `${this.groupPath(groupId)}/version_timeline`, VersionTimelineWire, { query: { duration } });
  }

  /** One page; `status` 0 is every status (Nebraska's UI sends 0 for "all"). */
  instances(groupId: string, query: { status?: number; duration: Duration; page?: number; perpage?: number; searchFilter?: string; searchValue?: string; sortFilter?: string; sortOrder?: 'asc' | 'desc' }) {
    return this.request('GET', `${this.groupPath(groupId)}/instances`, InstancePageWire, { query: { status: 0, ...query } });
  }

  /** Every instance of a group seen within the window, page by page. */
  async allInstances(groupId: string, duration: Duration = '30d') {
    return this.allPages((page) => this.instances(groupId, { duration, page, perpage: MAX_PER_PAGE }), (p) => p.instances, (p) => p.total);
  }

  async statusHistory(groupId: string, instanceId: string, limit = 20) {
    const entries = await this.request('GET', `${this.groupPath(groupId)}/instances/${encodeURIComponent(instanceId)}/status_history`, StatusHistoryWire, {
      query: { limit },
      subject: 'That instance',
    });
    return entries.map((e) => ({ status: e.status, version: e.version ?? e.verison ?? '', createdTs: e.created_ts, errorCode: e.error_code ?? '' }));
  }

  activity(query: { start: string; end: string; groupID?: string; page?: number; perpage?: number }) {
    return this.request('GET', '/api/activity', ActivityPageWire, { query: { appIDorProductID: this.options.app, ...query } });
  }

  private groupPath(groupId: string): string {
    return `${this.appPath}/groups/${encodeURIComponent(groupId)}`;
  }

  private async allPages<P, T>(fetchPage: (page: number) => Promise<P>, items: (page: P) => T[], total: (page: P) => number): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const result = await fetchPage(page);
      const batch = items(result);
      out.push(...batch);
      if (batch.length === 0 || out.length >= total(result)) break;
    }
    return out;
  }

  async request<S extends z.ZodType>(method: 'GET' | 'PUT', path: string, schema: S, options: { query?: Query; body?: unknown; subject?: string } = {}): Promise<z.output<S>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    this.options.onRequest?.({ method, path, query: Object.fromEntries(url.searchParams), body: options.body });
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'ironpane/0.1' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (cause) {
      const name = (cause as Error | undefined)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new AppError('timeout', `The update server ${this.host} did not answer in time. Check it is up, then retry.`, { cause });
      throw new AppError('unreachable', `Could not reach the update server ${this.host}. Check the base URL and your network, then retry.`, { cause });
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new AppError('invalid', `The update server ${this.host} redirected the request. Ironpane does not follow redirects with your token; set the address it redirects to as the base URL.`, { retryable: false });
    }
    if (!response.ok) throw await this.httpError(response, options.subject);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const looksHtml = /^\s*</.test(text);
      throw new AppError('unavailable', `The update server ${this.host} answered ${looksHtml ? 'with a web page' : 'with something that is not JSON'}. Check the base URL points at Nebraska (its root, not …/api).`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new AppError('unavailable', `The update server ${this.host} answered in a shape Ironpane does not recognise. Check the base URL points at Nebraska.`, {
        detail: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'),
      });
    }
    return parsed.data;
  }

  private async httpError(response: Response, subject = 'That'): Promise<AppError> {
    const text = await response.text().catch(() => '');
    let reason = '';
    try {
      const body = ErrorResponseWire.parse(JSON.parse(text));
      reason = [body.description, body.error].find((s) => s) ?? '';
    } catch {
      // HTML or empty: keep the status only.
    }
    const suffix = reason ? `: ${reason.slice(0, 300)}` : '';
    switch (response.status) {
      case 400:
        return new AppError('invalid', `The update server refused the change${suffix}.`, { retryable: false });
      case 401:
      case 403:
        return new AppError('auth', `The update server ${this.host} refused the token. Check the bearer token is current.`);
      case 404:
        return new AppError('not_found', `${subject} was not found on ${this.host} (is the application "${this.options.app}" right?).`);
      default:
        if (response.status >= 500) return new AppError('unavailable', `The update server ${this.host} had a server error (${response.status})${suffix}. Retry shortly.`);
        return new AppError('internal', `The update server ${this.host} answered ${response.status}${suffix}.`);
    }
  }
}
