/**
 * The lab's update server on loopback: Nebraska's REST API (`/api/...`, bearer token) and its Omaha
 * endpoint (`POST /v1/update`, open, as Nebraska's is) over one UpdateModel. JSON field names are
 * the wire names Nebraska's OpenAPI document gives through `x-oapi-codegen-extra-tags` (snake_case);
 * see docs/architecture.md#os-updates.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback, type LoopbackServer } from '../loopback-server';
import { tokensMatch } from '../../services/vault/tokens';
import type { RecordedExchange } from '../metal-api-server';
import { INSTANCE_STATUS_NAMES, compareVersions } from '../../../shared/updates/nebraska-rules';
import { MAX_OMAHA_REQUEST_BYTES, OmahaParseError, parseOmahaRequest, writeOmahaResponse, type OmahaAppRequest } from './omaha-xml';
import {
  ARCH_AMD64,
  FLATCAR_APP_ID,
  FLATCAR_PRODUCT_ID,
  PKG_TYPE_FLATCAR,
  type UpdateModel,
  UpdateModelError,
  type LabActivity,
  type LabChannel,
  type LabGroup,
  type LabInstance,
  type LabPackage,
} from './update-model';

const iso = (ms: number) => new Date(ms).toISOString();

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Nebraska's instance-list windows (`duration`), as its UI sends them. */
const DURATIONS: Record<string, number> = { '1h': 3_600_000, '1d': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export interface LabUpdateServerOptions {
  model: UpdateModel;
  token: string;
  timeScale?: number;
  log?: { warn(message: string, meta?: Record<string, unknown>): void };
  /** Sees every REST exchange (the contract test checks them against Nebraska's OpenAPI document). */
  onExchange?: (exchange: RecordedExchange) => void;
}

export class LabUpdateServer {
  private server: LoopbackServer | null = null;
  readonly model: UpdateModel;
  private readonly timeScale: number;
  /** Omaha check-ins answered since start (the bench reads it). */
  checkIns = 0;

  constructor(private readonly options: LabUpdateServerOptions) {
    this.model = options.model;
    this.timeScale = options.timeScale ?? 1;
  }

  async listen(port = 0): Promise<string> {
    this.server = await serveOnLoopback((req, res) => this.handle(req, res), {
      port,
      onError: (message, error) => this.options.log?.warn(message, { cause: error }),
    });
    return `http://127.0.0.1:${this.server.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }

  /** One Omaha exchange, in process: what the lab's machines call (the same path HTTP takes). */
  /**
   * The check-in an Omaha request would make, without its XML: the agents' first ping at lab start,
   * 20,000 of them at 50,000 machines, spent 3.4 s writing and parsing XML. Every later
   * exchange goes through `omaha`, as update_engine's would.
   */
  register(app: OmahaAppRequest, ip: string): void {
    this.model.checkIn(app, ip);
    this.checkIns += 1;
  }

  omaha(xml: string, ip: string): { status: number; body: string } {
    try {
      const request = parseOmahaRequest(xml);
      if (request.protocol !== '3.0') throw new OmahaParseError(`protocol must be 3.0 (got "${request.protocol}")`);
      const apps = request.apps.map((app) => this.model.checkIn(app, ip));
      this.checkIns += 1;
      const sinceMidnight = Math.floor((Date.now() % 86_400_000) / 1000);
      return { status: 200, body: writeOmahaResponse(apps, sinceMidnight) };
    } catch (error) {
      // Nebraska's handler answers a request it cannot decode with 400 and ErrMalformedRequest's text.
      if (error instanceof OmahaParseError) return { status: 400, body: `omaha: request is malformed: ${error.message}\n` };
      throw error;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let requestBody: unknown;
    const send = (status: number, body: string, type: string) => {
      if (this.options.onExchange && url.pathname.startsWith('/api/')) {
        this.options.onExchange({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          requestBody,
          status,
          responseBytes: Buffer.byteLength(body),
          responseBody: safeJson(body),
        });
      }
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    try {
      if (url.pathname === '/health') return send(200, 'OK', 'text/plain; charset=utf-8');
      if (url.pathname === '/v1/update' || url.pathname === '/v1/update/') {
        if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST');
        const text = await readBody(req, MAX_OMAHA_REQUEST_BYTES);
        const { status, body } = this.omaha(text, req.socket.remoteAddress ?? '127.0.0.1');
        return send(status, body, status === 200 ? 'text/xml; charset=utf-8' : 'text/plain; charset=utf-8');
      }
      if (!url.pathname.startsWith('/api/')) throw new HttpError(404, 'not_found', 'no such route');
      const auth = req.headers.authorization ?? '';
      if (!tokensMatch(this.options.token, auth.startsWith('Bearer ') ? auth.slice(7) : undefined)) {
        throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
      }
      const input = req.method === 'PUT' || req.method === 'POST' ? parseJson(await readBody(req, 1_048_576)) : undefined;
      requestBody = input;
      const body = this.route(req.method ?? 'GET', url, input);
      return send(200, JSON.stringify(body), 'application/json; charset=utf-8');
    } catch (error) {
      if (error instanceof HttpError)
        return send(error.status, JSON.stringify({ error: error.error, description: error.message }), 'application/json; charset=utf-8');
      if (error instanceof UpdateModelError)
        return send(
          error.status,
          JSON.stringify({ error: error.status === 404 ? 'not_found' : 'bad_request', description: error.message }),
          'application/json; charset=utf-8',
        );
      this.options.log?.warn('lab update server request failed', { path: url.pathname, cause: error });
      return send(500, JSON.stringify({ error: 'internal', description: 'the lab update server failed; see the log' }), 'application/json; charset=utf-8');
    }
  }

  private route(method: string, url: URL, input: unknown): unknown {
    const m = this.model;
    m.publishDue();
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // api, apps, …
    const q = url.searchParams;
    if (parts[1] === 'activity' && parts.length === 2 && method === 'GET') return this.activityPage(q);
    if (parts[1] !== 'apps') throw new HttpError(404, 'not_found', 'no such route');
    if (parts.length === 2 && method === 'GET') {
      const apps = [this.appJson()];
      return { totalCount: apps.length, count: apps.length, applications: apps };
    }
    const appRef = parts[2]!;
    if (appRef !== FLATCAR_APP_ID && appRef !== FLATCAR_PRODUCT_ID) throw new HttpError(404, 'not_found', 'application not found');
    if (parts.length === 3 && method === 'GET') return this.appJson();
    const section = parts[3];
    if (section === 'groups') {
      if (parts.length === 4 && method === 'GET')
        return page(
          q,
          [...m.groups.values()].map((g) => this.groupJson(g)),
          'groups',
        );
      const group = m.groups.get(parts[4] ?? '');
      if (!group) throw new HttpError(404, 'not_found', 'group not found');
      if (parts.length === 5 && method === 'GET') return this.groupJson(group);
      if (parts.length === 5 && method === 'PUT') return this.groupJson(m.updateGroup(group.id, asObject(input)));
      const sub = parts[5];
      if (sub === 'instances_stats') return this.stats(group, duration(q, true));
      if (sub === 'version_breakdown') return this.breakdown(group);
      if (sub === 'status_timeline') return this.statusTimeline(group, duration(q, true));
      if (sub === 'version_timeline') return this.versionTimeline(group, duration(q, true));
      if (sub === 'instancescount') return { count: this.members(group, duration(q, true)).length };
      if (sub === 'instances' && parts.length === 6) return this.instancePage(group, q);
      if (sub === 'instances' && parts.length >= 7) {
        const instance = m.instances.get(parts[6]!);
        if (!instance || instance.groupId !== group.id) throw new HttpError(404, 'not_found', 'instance not found');
        if (parts.length === 7) return this.instanceJson(instance);
        if (parts[7] === 'status_history') {
          const limit = intParam(q, 'limit', 20, 1, 1000);
          return instance.history.slice(0, limit).map((h) => ({ status: h.status, version: h.version, created_ts: iso(h.createdTs), error_code: h.errorCode }));
        }
      }
      throw new HttpError(404, 'not_found', 'no such route');
    }
    if (section === 'channels') {
      if (parts.length === 4 && method === 'GET')
        return page(
          q,
          [...m.channels.values()].map((c) => this.channelJson(c)),
          'channels',
        );
      const channel = m.channels.get(parts[4] ?? '');
      if (!channel) throw new HttpError(404, 'not_found', 'channel not found');
      if (parts.length === 5 && method === 'GET') return this.channelJson(channel);
      if (parts.length === 5 && method === 'PUT') return this.channelJson(m.updateChannel(channel.id, asObject(input)));
    }
    if (section === 'packages') {
      const packages = [...m.packages.values()].sort((a, b) => compareVersions(b.version, a.version));
      if (parts.length === 4 && method === 'GET')
        return page(
          q,
          packages.map((p) => this.packageJson(p)),
          'packages',
        );
      const pkg = m.packages.get(parts[4] ?? '');
      if (!pkg) throw new HttpError(404, 'not_found', 'package not found');
      if (parts.length === 5 && method === 'GET') return this.packageJson(pkg);
    }
    throw new HttpError(404, 'not_found', 'no such route');
  }

  private members(group: LabGroup, windowMs: number): LabInstance[] {
    const since = Date.now() - windowMs * this.timeScale;
    const out: LabInstance[] = [];
    for (const i of this.model.instances.values()) if (i.groupId === group.id && i.lastCheckForUpdates >= since) out.push(i);
    return out;
  }

  private appJson() {
    const m = this.model;
    return {
      id: m.app.id,
      name: m.app.name,
      description: m.app.description,
      created_ts: iso(m.app.createdTs),
      product_id: m.app.productId,
      groups: [...m.groups.values()].map((g) => this.groupJson(g)),
      channels: [...m.channels.values()].map((c) => this.channelJson(c)),
      instances: { count: m.instances.size },
    };
  }

  private packageJson(p: LabPackage) {
    return {
      id: p.id,
      type: PKG_TYPE_FLATCAR,
      version: p.version,
      url: p.url,
      filename: p.filename,
      description: `Flatcar Container Linux ${p.version}`,
      size: String(p.size),
      hash: p.sha1,
      created_ts: iso(p.createdTs),
      channels_blacklist: p.channelsBlacklist,
      extra_files: [],
      application_id: p.applicationId,
      arch: ARCH_AMD64,
      flatcar_action: {
        id: `${p.id}-postinstall`,
        event: 'postinstall',
        chromeos_version: p.version,
        sha256: p.sha256,
        needs_admin: false,
        is_delta: false,
        disable_payload_backoff: true,
        metadata_signature_rsa: '',
        metadata_size: '',
        deadline: '',
        created_ts: iso(p.createdTs),
      },
    };
  }

  private channelJson(c: LabChannel) {
    const pkg = this.model.packageOf(c);
    return {
      id: c.id,
      name: c.name,
      color: c.color,
      created_ts: iso(c.createdTs),
      application_id: c.applicationId,
      package_id: c.packageId ?? '',
      ...(pkg ? { package: this.packageJson(pkg) } : {}),
      arch: ARCH_AMD64,
    };
  }

  private groupJson(g: LabGroup) {
    const channel = this.model.channelOf(g);
    return {
      id: g.id,
      name: g.name,
      description: g.description,
      created_ts: iso(g.createdTs),
      rollout_in_progress: g.rolloutInProgress,
      application_id: FLATCAR_APP_ID,
      channel_id: g.channelId ?? '',
      policy_updates_enabled: g.policy.updatesEnabled,
      policy_safe_mode: g.policy.safeMode,
      policy_office_hours: g.policy.officeHours,
      policy_timezone: g.policy.timezone,
      policy_period_interval: g.policy.periodInterval,
      policy_max_updates_per_period: g.policy.maxUpdatesPerPeriod,
      policy_update_timeout: g.policy.updateTimeout,
      ...(channel ? { channel: this.channelJson(channel) } : {}),
      track: g.track,
    };
  }

  private instanceJson(i: LabInstance) {
    return {
      id: i.id,
      ip: i.ip,
      created_ts: iso(i.createdTs),
      alias: i.alias,
      application: {
        instance_id: i.id,
        application_id: FLATCAR_APP_ID,
        group_id: i.groupId,
        version: i.version,
        created_ts: iso(i.createdTs),
        status: i.status,
        last_check_for_updates: iso(i.lastCheckForUpdates),
        last_update_granted_ts: iso(i.lastUpdateGrantedTs ?? i.createdTs),
        last_update_version: i.lastUpdateVersion ?? '',
        update_in_progress: i.updateInProgress,
      },
    };
  }

  private stats(group: LabGroup, windowMs: number) {
    const counts = { total: 0, undefined: 0, updateGranted: 0, error: 0, complete: 0, installed: 0, downloaded: 0, downloading: 0, onHold: 0 };
    for (const i of this.members(group, windowMs)) {
      counts.total += 1;
      counts[INSTANCE_STATUS_NAMES[i.status - 1]!] += 1;
    }
    const { updateGranted, ...rest } = counts;
    return { ...rest, update_granted: updateGranted };
  }

  private breakdown(group: LabGroup) {
    const byVersion = new Map<string, number>();
    const members = this.members(group, DURATIONS['30d']!);
    for (const i of members) byVersion.set(i.version, (byVersion.get(i.version) ?? 0) + 1);
    return [...byVersion]
      .sort((a, b) => compareVersions(b[0], a[0]))
      .map(([version, instances]) => ({ version, instances, percentage: members.length ? (instances * 100) / members.length : 0 }));
  }

  /** Buckets across the window: 60 for any duration, keyed by each bucket's start (RFC 3339). */
  private buckets(windowMs: number): number[] {
    const span = windowMs * this.timeScale;
    const step = span / 60;
    const end = Date.now();
    return Array.from({ length: 60 }, (_, k) => Math.floor(end - span + k * step));
  }

  /** Per bucket: how many instances entered each status, by version (nebraska getGroupStatusCountTimeline). */
  private statusTimeline(group: LabGroup, windowMs: number) {
    const starts = this.buckets(windowMs);
    const step = starts.length > 1 ? starts[1]! - starts[0]! : 1;
    const out: Record<string, Record<string, Record<string, number>>> = {};
    for (const start of starts) out[iso(start)] = {};
    for (const i of this.model.instances.values()) {
      if (i.groupId !== group.id) continue;
      for (const h of i.history) {
        if (h.createdTs < starts[0]!) break;
        const k = Math.min(starts.length - 1, Math.floor((h.createdTs - starts[0]!) / step));
        const bucket = out[iso(starts[k]!)]!;
        const byVersion = (bucket[String(h.status)] ??= {});
        byVersion[h.version] = (byVersion[h.version] ?? 0) + 1;
      }
    }
    return out;
  }

  /** Per bucket: instances on each version at the bucket's end. */
  private versionTimeline(group: LabGroup, windowMs: number) {
    const starts = this.buckets(windowMs);
    const step = starts.length > 1 ? starts[1]! - starts[0]! : 1;
    const out: Record<string, Record<string, number>> = {};
    for (const start of starts) out[iso(start)] = {};
    for (const i of this.model.instances.values()) {
      if (i.groupId !== group.id) continue;
      // Newest first: walk buckets from the end, stepping back through history.
      let h = 0;
      for (let k = starts.length - 1; k >= 0; k--) {
        const end = starts[k]! + step;
        while (h < i.history.length && i.history[h]!.createdTs > end) h++;
        if (i.createdTs > end) break;
        const entry = i.history[h];
        const version = entry ? entry.running : i.version;
        const bucket = out[iso(starts[k]!)]!;
        bucket[version] = (bucket[version] ?? 0) + 1;
      }
    }
    return out;
  }

  private instancePage(group: LabGroup, q: URLSearchParams) {
    const status = intParam(q, 'status', NaN, 0, 8, true);
    const windowMs = duration(q, true);
    const perpage = intParam(q, 'perpage', 10, 1, 1000);
    const pageNo = Math.max(1, intParam(q, 'page', 1, 0, 1_000_000));
    const searchFilter = q.get('searchFilter') ?? 'All';
    const searchValue = (q.get('searchValue') ?? '').toLowerCase();
    const version = q.get('version');
    let list = this.members(group, windowMs).filter((i) => (status === 0 || i.status === status) && (!version || i.version === version));
    if (searchValue) {
      list = list.filter((i) => {
        const fields = searchFilter === 'id' ? [i.id] : searchFilter === 'ip' ? [i.ip] : searchFilter === 'alias' ? [i.alias] : [i.id, i.ip, i.alias];
        return fields.some((f) => f.toLowerCase().includes(searchValue));
      });
    }
    // As Nebraska's dbreads/instances.go: sortFilter 0 is the alias (the id where it has none), 1 the
    // IP, 2 the last check-in, anything else the alias; sortOrder 0 ascends, anything else descends.
    const sortKey = q.get('sortFilter');
    const dir = q.get('sortOrder') === '0' ? 1 : -1;
    const key = (i: LabInstance): string | number => (sortKey === '1' ? i.ip : sortKey === '2' ? i.lastCheckForUpdates : i.alias || i.id);
    list.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : 0));
    return { total: list.length, instances: list.slice((pageNo - 1) * perpage, pageNo * perpage).map((i) => this.instanceJson(i)) };
  }

  private activityPage(q: URLSearchParams) {
    const start = Date.parse(q.get('start') ?? '');
    const end = Date.parse(q.get('end') ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new HttpError(400, 'bad_request', 'start and end are required RFC 3339 times');
    const groupId = q.get('groupID');
    const severity = q.get('severity');
    const list = this.model.activity.filter(
      (a) => a.createdTs >= start && a.createdTs <= end && (!groupId || a.groupId === groupId) && (!severity || a.severity === Number(severity)),
    );
    const perpage = intParam(q, 'perpage', 10, 1, 1000);
    const pageNo = Math.max(1, intParam(q, 'page', 1, 0, 1_000_000));
    const slice = list.slice((pageNo - 1) * perpage, pageNo * perpage);
    return { totalCount: list.length, count: slice.length, activities: slice.map((a) => this.activityJson(a)) };
  }

  private activityJson(a: LabActivity) {
    const group = this.model.groups.get(a.groupId);
    return {
      id: a.id,
      app_id: a.appId,
      group_id: a.groupId,
      created_ts: iso(a.createdTs),
      class: a.class,
      severity: a.severity,
      version: a.version,
      application_name: this.model.app.name,
      group_name: group?.name ?? '',
      channel_name: group ? (this.model.channelOf(group)?.name ?? '') : '',
      instance_id: a.instanceId,
    };
  }
}

function page<T>(q: URLSearchParams, items: T[], key: string) {
  const perpage = intParam(q, 'perpage', 10, 1, 1000);
  const pageNo = Math.max(1, intParam(q, 'page', 1, 0, 1_000_000));
  const slice = items.slice((pageNo - 1) * perpage, pageNo * perpage);
  return { totalCount: items.length, count: slice.length, [key]: slice };
}

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number, required = false): number {
  const raw = q.get(name);
  if (raw === null || raw === '') {
    if (required) throw new HttpError(400, 'bad_request', `${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HttpError(400, 'bad_request', `${name} must be a whole number from ${min} to ${max}`);
  return value;
}

function duration(q: URLSearchParams, required: boolean): number {
  const raw = q.get('duration');
  if (raw === null && !required) return DURATIONS['30d']!;
  const ms = raw === null ? undefined : DURATIONS[raw];
  if (ms === undefined) throw new HttpError(400, 'bad_request', 'duration must be one of 1h, 1d, 7d, 30d');
  return ms;
}

function asObject(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'bad_request', 'the body must be a JSON object');
  return input as Record<string, unknown>;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'the body is not valid JSON');
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(400, 'bad_request', `the request is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
