/**
 * A spec-exact client for Nebraska's management API (its OpenAPI document; docs/architecture.md#os-updates):
 * base URL, application (uuid or product id), optional bearer token. Every answer is validated; an
 * HTML page, a 500 or a wrong shape becomes an AppError that says which server and what to check.
 * Redirects are refused, so the token only ever goes to the configured origin.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { z } from 'zod';
import { baseUrlProblem } from '../../../../shared/endpoint';
import { AppError } from '../../../../shared/errors';
import { PeerHttp, SyncBudget, type PeerResponse } from '../../net/peer-http';
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
  InstanceWire,
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
  /** The longest quiet spell while waiting for an answer or its next byte. */
  timeoutMs?: number;
  /** Sees every request the client sends (the contract test checks them against the spec). */
  onRequest?: (request: { method: string; path: string; query: Record<string, string>; body: unknown }) => void;
}

type Query = Record<string, string | number | undefined>;
export type Duration = '1h' | '1d' | '7d' | '30d';

const MAX_PER_PAGE = 1000;
/** The instance listing's `sortFilter` (Nebraska's backend/pkg/api/internal/dbreads/instances.go: alias, ip, last check-in). */
export const INSTANCE_SORT = { alias: '0', ip: '1', lastCheck: '2' } as const;
/** Its `sortOrder`: 0 ascends; anything else, 1 included, descends. */
export const SORT_ORDER = { ascending: '0', descending: '1' } as const;
/** Every listed entry (group, channel, package, instance) has an `id`. */
const idOf = (item: unknown) => String((item as { id?: unknown }).id);
/**
 * What one listing may hold: more instances or groups than any update server Ironpane is built for
 * (a server claiming a huge total drew 15,316 requests in 76 s before this).
 */
const MAX_LISTED = 200_000;
/** Pages read past the claimed total while entries that moved during the listing are still missing. */
const SHIFT_PAGES = 2;
/** A page of 1,000 instances is ~0.5 MB; 16 MiB is ample. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class NebraskaClient {
  private readonly baseUrl: string;
  private readonly http: PeerHttp;
  /**
   * The request budget of the sync whose calls these are (see `sync`): scoped to that sync's async
   * context, so a window's request made meanwhile is neither counted against it nor failed by it.
   */
  private readonly syncBudget = new AsyncLocalStorage<SyncBudget>();

  constructor(private readonly options: NebraskaClientOptions) {
    const problem = baseUrlProblem(options.baseUrl);
    if (problem) throw new AppError('invalid', problem);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = new PeerHttp({
      peer: `The update server ${this.host}`,
      origin: new URL(this.baseUrl).origin,
      limits: { maxBytes: MAX_ANSWER_BYTES, idleMs: options.timeoutMs ?? 20_000, deadlineMs: 120_000 },
    });
  }

  /**
   * Runs one sync under a request budget: `baseRequests` plus what the server's own totals justify
   * (each page allows itself and no more), so a server that loops or claims an impossible total ends
   * the sync with an error naming it instead of drawing requests for ever.
   */
  async sync<T>(baseRequests: number, run: () => Promise<T>): Promise<T> {
    return this.syncBudget.run(new SyncBudget(`The update server ${this.host}`, baseRequests), run);
  }

  close(): Promise<void> {
    return this.http.close();
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
    return this.allPages(
      (page) => this.request('GET', `${this.appPath}/groups`, GroupPageWire, { query: { page, perpage: 100 } }),
      (p) => p.groups,
      (p) => p.totalCount,
    );
  }

  group(groupId: string) {
    return this.request('GET', `${this.appPath}/groups/${encodeURIComponent(groupId)}`, GroupWire, { subject: 'That group' });
  }

  updateGroup(groupId: string, config: GroupConfigWire) {
    return this.request('PUT', `${this.appPath}/groups/${encodeURIComponent(groupId)}`, GroupWire, { body: config, subject: 'That group' });
  }

  async channels() {
    return this.allPages(
      (page) => this.request('GET', `${this.appPath}/channels`, ChannelPageWire, { query: { page, perpage: 100 } }),
      (p) => p.channels,
      (p) => p.totalCount,
    );
  }

  updateChannel(channelId: string, config: ChannelConfigWire) {
    return this.request('PUT', `${this.appPath}/channels/${encodeURIComponent(channelId)}`, ChannelWire, { body: config, subject: 'That channel' });
  }

  async packages() {
    return this.allPages(
      (page) => this.request('GET', `${this.appPath}/packages`, PackagePageWire, { query: { page, perpage: 100 } }),
      (p) => p.packages,
      (p) => p.totalCount,
    );
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
  instances(
    groupId: string,
    query: {
      status?: number;
      duration: Duration;
      page?: number;
      perpage?: number;
      searchFilter?: string;
      searchValue?: string;
      sortFilter?: (typeof INSTANCE_SORT)[keyof typeof INSTANCE_SORT];
      sortOrder?: (typeof SORT_ORDER)[keyof typeof SORT_ORDER];
    },
  ) {
    return this.request('GET', `${this.groupPath(groupId)}/instances`, InstancePageWire, { query: { status: 0, ...query } });
  }

  /**
   * Every instance of a group seen within the window, page by page; `newestFirst` asks for them by
   * last check-in (what a sync between full lists relies on, so a full list shows whether the server keeps it).
   */
  async allInstances(groupId: string, duration: Duration = '30d', newestFirst = false) {
    this.syncBudget.getStore()?.allow(1); // its first page; the rest follow from the total it claims
    const order = newestFirst ? { sortFilter: INSTANCE_SORT.lastCheck, sortOrder: SORT_ORDER.descending } : {};
    return this.allPages(
      (page) => this.instances(groupId, { duration, page, perpage: MAX_PER_PAGE, ...order }),
      (p) => p.instances,
      (p) => p.total,
      MAX_PER_PAGE,
    );
  }

  /**
   * The instances of a group that checked in at or after `sinceMs` (the server's clock), newest first,
   * page by page until the check-ins are older: Nebraska orders the listing by
   * `last_check_for_updates` when asked (sortFilter 2, sortOrder 1). `duration` must reach back past
   * `sinceMs` by the server's clock. Null when the server does not answer in that order (an older or
   * another server ignores the parameters) or more than `maxPages` pages are new: a full list then
   * costs about the same.
   */
  async instancesCheckedSince(groupId: string, sinceMs: number, duration: Duration, maxPages = 10): Promise<InstanceWire[] | null> {
    const out: InstanceWire[] = [];
    let previous = Number.POSITIVE_INFINITY;
    this.syncBudget.getStore()?.allow(1);
    for (let page = 1; page <= maxPages; page++) {
      const body = await this.instances(groupId, {
        duration,
        page,
        perpage: MAX_PER_PAGE,
        sortFilter: INSTANCE_SORT.lastCheck,
        sortOrder: SORT_ORDER.descending,
      });
      for (const instance of body.instances) {
        const checked = Date.parse(instance.application?.last_check_for_updates ?? '');
        if (!Number.isFinite(checked) || checked > previous) return null;
        previous = checked;
        if (checked < sinceMs) return out;
        out.push(instance);
      }
      if (body.instances.length < MAX_PER_PAGE || page * MAX_PER_PAGE >= body.total) return out;
      this.syncBudget.getStore()?.allow(1);
    }
    return null;
  }

  /** Every instance of a group in one status within the window (for those whose status moves without a check-in). */
  async instancesInStatus(groupId: string, status: number, duration: Duration = '30d') {
    this.syncBudget.getStore()?.allow(1);
    return this.allPages(
      (page) => this.instances(groupId, { status, duration, page, perpage: MAX_PER_PAGE }),
      (p) => p.instances,
      (p) => p.total,
      MAX_PER_PAGE,
    );
  }

  /** One instance as its group lists it. */
  instance(groupId: string, instanceId: string) {
    this.syncBudget.getStore()?.allow(1); // a sync bounds how many it fetches alone
    return this.request('GET', `${this.groupPath(groupId)}/instances/${encodeURIComponent(instanceId)}`, InstanceWire, { subject: 'That instance' });
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

  /**
   * Every page of a listing. The first page's total bounds the pages asked for; a total over what any
   * server holds, or a page that brings nothing new, ends the listing with an error.
   */
  private async allPages<P, T>(fetchPage: (page: number) => Promise<P>, items: (page: P) => T[], total: (page: P) => number, perPage = 100): Promise<T[]> {
    const first = await fetchPage(1);
    const claimed = total(first);
    if (!Number.isFinite(claimed) || claimed > MAX_LISTED) {
      throw new AppError(
        'unavailable',
        `The update server ${this.host} claims ${claimed} entries in one listing, more than Ironpane reads (${MAX_LISTED.toLocaleString('en')}); it stopped the sync.`,
        {
          retryable: false,
        },
      );
    }
    const pages = Math.max(1, Math.ceil(claimed / perPage));
    this.syncBudget.getStore()?.allow(pages - 1);
    const out: T[] = [...items(first)];
    const seen = new Set(out.map(idOf));
    // Entries that change while the pages are read shift the rest along (instances listed by last
    // check-in move to the front as they check in): a repeat is dropped, and up to SHIFT_PAGES more
    // pages pick up what was pushed past the last one.
    for (let page = 2; page <= pages + SHIFT_PAGES && out.length < claimed; page++) {
      if (page > pages) this.syncBudget.getStore()?.allow(1);
      const batch = items(await fetchPage(page));
      if (batch.length === 0) break;
      const before = seen.size;
      for (const item of batch) {
        const id = idOf(item);
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(item);
      }
      // A page of nothing new is a server listing the same entries in a loop, not a longer list.
      if (seen.size === before) {
        throw new AppError(
          'unavailable',
          `The update server ${this.host} listed only entries it had already listed on page ${page}; Ironpane stopped the sync.`,
          { retryable: false },
        );
      }
    }
    return out;
  }

  async request<S extends z.ZodType>(
    method: 'GET' | 'PUT',
    path: string,
    schema: S,
    options: { query?: Query; body?: unknown; subject?: string } = {},
  ): Promise<z.output<S>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    this.syncBudget.getStore()?.spend(`${url.pathname}${url.search}`);
    this.options.onRequest?.({ method, path, query: Object.fromEntries(url.searchParams), body: options.body });
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'ironpane/0.1' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    // Redirects are not followed, even within the origin: Nebraska never sends one for its API.
    const response = await this.http.request(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      followRedirects: false,
    });
    if (response.status >= 300 && response.status < 400) {
      throw new AppError(
        'invalid',
        `The update server ${this.host} redirected the request. Ironpane does not follow redirects with your token; set the address it redirects to as the base URL.`,
        { retryable: false },
      );
    }
    if (response.status >= 400) throw this.httpError(response, options.subject);
    const json = this.http.json(response, `${method} ${url.pathname}`, () => {
      const looksHtml = /^\s*</.test(response.body.toString('utf8', 0, 64));
      return new AppError(
        'unavailable',
        `The update server ${this.host} answered ${looksHtml ? 'with a web page' : 'with something that is not JSON'}. Check the base URL points at Nebraska (its root, not …/api).`,
      );
    });
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new AppError(
        'unavailable',
        `The update server ${this.host} answered in a shape Ironpane does not recognise. Check the base URL points at Nebraska.`,
        {
          detail: parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('\n'),
        },
      );
    }
    return parsed.data;
  }

  private httpError(response: PeerResponse, subject = 'That'): AppError {
    const text = response.body.toString('utf8');
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
        // Without a token there was nothing to refuse: say that one is needed.
        if (!this.options.token)
          return new AppError('auth', `The update server ${this.host} needs a bearer token; add it to this update server.`, { retryable: false });
        return new AppError('auth', `The update server ${this.host} refused the token. Check the bearer token is current.`);
      case 404:
        return new AppError('not_found', `${subject} was not found on ${this.host} (is the application "${this.options.app}" right?).`);
      default:
        if (response.status >= 500)
          return new AppError('unavailable', `The update server ${this.host} had a server error (${response.status})${suffix}. Retry shortly.`);
        return new AppError('internal', `The update server ${this.host} answered ${response.status}${suffix}.`);
    }
  }
}
