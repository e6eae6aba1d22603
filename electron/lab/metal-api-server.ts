/**
 * The lab's HTTP server, speaking the Equinix Metal API v1 wire format under `/metal/v1` on
 * 127.0.0.1. Shapes, status codes and error bodies follow the Metal API v1 OpenAPI document (checked by the contract tier):
 * `X-Auth-Token` auth, `page`/`per_page` with `meta`, `include`/`exclude`, `{error}`/`{errors}`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../services/ports';
import { tokensMatch } from '../services/vault/tokens';
import { serveOnLoopback, type LoopbackServer } from './loopback-server';
import { LAB_METROS, LAB_OPERATING_SYSTEMS, LAB_PLANS } from './catalog';
import { LAB_PROJECT, LAB_SSH_KEY, LabError, type LabEvent, type LabFleet, type LabVlan, type Machine } from './lab-fleet';
import { OS_STATE_CUSTOMDATA_KEY } from '../../shared/model';

export const API_PREFIX = '/metal/v1';

export interface MetalApiServerOptions {
  fleet: LabFleet;
  token: string;
  /** Requests allowed per window before answering 429 with Retry-After; off when absent. */
  rateLimit?: { limit: number; windowMs: number } | null;
  /** The account's SSH public key as `/ssh-keys` lists it (the serial gateway accepts it). */
  sshPublicKey?: string;
  /** Called for every request and response, for the contract tests. */
  onExchange?: (exchange: RecordedExchange) => void;
  /** Where an unexpected failure is logged (the 500 body promises that it is). */
  log?: Logger;
}

export interface RecordedExchange {
  method: string;
  path: string;
  query: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseBytes: number;
  responseBody: unknown;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; errors?: string[] },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error ?? body.errors?.join('; ') ?? String(status));
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const href = (path: string) => ({ href: `${API_PREFIX}${path}` });

type Expand = { include: Set<string>; exclude: Set<string> };

function listParam(value: string | null): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Applies `exclude` (shrink objects to `{href}`, drop scalars) to a top-level response object. */
function applyExclude(body: Record<string, unknown>, exclude: Set<string>): Record<string, unknown> {
  for (const key of exclude) {
    const value = body[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) body[key] = value.map((v) => (v && typeof v === 'object' && 'href' in v ? { href: (v as { href: string }).href } : v));
    else if (value && typeof value === 'object' && 'href' in value) body[key] = { href: (value as { href: string }).href };
    else delete body[key];
  }
  return body;
}

function metroJson(metro: (typeof LAB_METROS)[number]) {
  return { id: metro.id, code: metro.code, name: metro.name, country: metro.country, href: `${API_PREFIX}/locations/metros/${metro.id}` };
}

function facilityJson(metro: (typeof LAB_METROS)[number], facility: (typeof LAB_METROS)[number]['facilities'][number]) {
  return {
    id: facility.id,
    code: facility.code,
    name: facility.name,
    features: ['baremetal', 'layer_2'],
    ip_ranges: [],
    metro: metroJson(metro),
    href: `${API_PREFIX}/facilities/${facility.id}`,
  };
}

function planJson(plan: (typeof LAB_PLANS)[number]) {
  return { ...plan, categories: ['compute', 'current_gen'], type: 'standard', legacy: false, href: `${API_PREFIX}/plans/${plan.id}` };
}

function osJson(os: (typeof LAB_OPERATING_SYSTEMS)[number], version = os.version) {
  return {
    id: os.id,
    slug: os.slug,
    name: os.name,
    distro: os.distro,
    distro_label: os.distro_label,
    version,
    preinstallable: false,
    provisionable_on: LAB_PLANS.map((p) => p.slug),
    href: `${API_PREFIX}/operating-systems/${os.id}`,
  };
}

function vlanJson(vlan: LabVlan, fleet: LabFleet, expand?: Expand) {
  const members = expand?.include.has('instances')
    ? fleet
        .list()
        .filter((m) => m.vlans.includes(vlan))
        .map((m) => href(`/devices/${m.id}`))
    : [];
  return {
    id: vlan.id,
    vxlan: vlan.vxlan,
    description: vlan.description,
    metro: metroJson(vlan.metro),
    metro_code: vlan.metro.code,
    assigned_to: href(`/projects/${LAB_PROJECT.id}`),
    assigned_to_virtual_circuit: false,
    instances: members,
    tags: [],
    created_at: iso(vlan.createdAt),
    href: `${API_PREFIX}/virtual-networks/${vlan.id}`,
  };
}

function portsJson(machine: Machine) {
  const bonded = true; // every lab machine keeps its bond; layer-2 modes here are the bonded kind
  const vnets = machine.vlans.map((v) => ({ id: v.id, vxlan: v.vxlan, href: `${API_PREFIX}/virtual-networks/${v.id}` }));
  // Port ids are UUIDs in the spec; derive stable ones from the device id.
  const portId = (n: number) => `${machine.id.slice(0, 8)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const bondId = portId(0);
  return [
    {
      id: bondId,
      name: 'bond0',
      type: 'NetworkBondPort',
      network_type: machine.networkType,
      data: { bonded, mac: machine.macs[0] },
      virtual_networks: vnets,
      disbond_operation_supported: true,
      href: `${API_PREFIX}/ports/${bondId}`,
    },
    ...machine.macs.map((mac, i) => {
      const id = portId(i + 1);
      return {
        id,
        name: `eth${i}`,
        type: 'NetworkPort',
        data: { bonded, mac },
        bond: { id: bondId, name: 'bond0' },
        virtual_networks: [],
        disbond_operation_supported: true,
        href: `${API_PREFIX}/ports/${id}`,
      };
    }),
  ];
}

export function deviceJson(machine: Machine, fleet: LabFleet, expand: Expand, sshPublicKey?: string): Record<string, unknown> {
  // What `exclude` shrinks to hrefs (applyExclude) is not built whole first: a light list of 50,000
  // devices built and dropped 3 KB of addresses and ports for each.
  const shrunk = (key: string, make: () => unknown) => (expand.exclude.has(key) ? null : make());
  const body: Record<string, unknown> = {
    id: machine.id,
    short_id: machine.shortId,
    href: `${API_PREFIX}/devices/${machine.id}`,
    hostname: machine.hostname,
    description: machine.description,
    state: machine.state,
    tags: machine.tags,
    billing_cycle: 'hourly',
    user: machine.os.defaultUser,
    locked: machine.locked,
    always_pxe: false,
    spot_instance: false,
    network_frozen: false,
    bonding_mode: 4,
    created_at: iso(machine.createdAt),
    updated_at: iso(machine.updatedAt),
    operating_system: shrunk('operating_system', () => osJson(machine.os, machine.osVersion)) ?? href('/operating-systems/' + machine.os.id),
    plan: shrunk('plan', () => planJson(machine.plan)) ?? href('/plans/' + machine.plan.id),
    metro: shrunk('metro', () => metroJson(machine.metro)) ?? href('/locations/metros/' + machine.metro.id),
    facility: shrunk('facility', () => facilityJson(machine.metro, machine.facility)) ?? href('/facilities/' + machine.facility.id),
    project: expand.include.has('project')
      ? { id: LAB_PROJECT.id, name: LAB_PROJECT.name, href: `${API_PREFIX}/projects/${LAB_PROJECT.id}` }
      : href(`/projects/${LAB_PROJECT.id}`),
    project_lite: href(`/projects/${LAB_PROJECT.id}`),
    ssh_keys: expand.include.has('ssh_keys') ? [sshKeyJson(sshPublicKey)] : [href(`/ssh-keys/${LAB_SSH_KEY.id}`)],
    ip_addresses: expand.exclude.has('ip_addresses')
      ? machine.ips.map((ip) => href(`/ips/${ip.id}`))
      : machine.ips.map((ip) => ({
          id: ip.id,
          address: ip.address,
          address_family: ip.family,
          cidr: ip.cidr,
          netmask: ip.netmask,
          network: ip.network,
          gateway: ip.gateway,
          public: ip.public,
          management: ip.management,
          manageable: true,
          enabled: true,
          global_ip: false,
          assigned_to: href(`/devices/${machine.id}`),
          href: `${API_PREFIX}/ips/${ip.id}`,
        })),
    network_ports: expand.exclude.has('network_ports') ? portsJson(machine).map((port) => ({ href: port.href })) : portsJson(machine),
    switch_uuid: machine.switchUuid,
    sos: `sos.${machine.facility.code}.lab.ironpane.internal`,
    actions: fleet.availableActions(machine).map((type) => ({ type, name: type.replace('_', ' ').replace(/^./, (c) => c.toUpperCase()) })),
    provisioning_events: [],
    userdata: machine.userdata,
    // The machine's agent reports its OS state beside whatever the user stored (docs/architecture.md#os-updates).
    customdata: machine.osReport ? { ...machine.customdata, [OS_STATE_CUSTOMDATA_KEY]: machine.osReport } : machine.customdata,
    iqn: `iqn.2026-11.internal.ironpane.lab:device.${machine.shortId}`,
    volumes: [],
  };
  if (machine.provisioningPercentage !== null) body.provisioning_percentage = machine.provisioningPercentage;
  return applyExclude(body, expand.exclude);
}

/** An `Event` of the spec; `relationships` names the device it happened to. */
function eventJson(event: LabEvent, machine: Machine) {
  return {
    id: event.id,
    type: event.type,
    state: event.state,
    body: event.body,
    interpolated: `${machine.hostname}: ${event.body}`,
    relationships: [href(`/devices/${machine.id}`)],
    created_at: iso(event.createdAt),
    href: `${API_PREFIX}/events/${event.id}`,
  };
}

function sshKeyJson(publicKey = LAB_SSH_KEY.key) {
  const blob = Buffer.from(publicKey.split(/\s+/)[1] ?? '', 'base64');
  return {
    id: LAB_SSH_KEY.id,
    label: LAB_SSH_KEY.label,
    key: publicKey,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    tags: [],
    entity: href(`/projects/${LAB_PROJECT.id}`),
    created_at: iso(Date.UTC(2026, 0, 5)),
    updated_at: iso(Date.UTC(2026, 0, 5)),
    href: `${API_PREFIX}/ssh-keys/${LAB_SSH_KEY.id}`,
  };
}

function projectJson(fleet: LabFleet) {
  return {
    id: LAB_PROJECT.id,
    name: LAB_PROJECT.name,
    created_at: iso(fleet.createdAt - 500 * 86_400_000),
    updated_at: iso(fleet.createdAt - 30 * 86_400_000),
    backend_transfer_enabled: false,
    customdata: {},
    tags: [],
    type: 'default',
    devices: [],
    members: [],
    memberships: [],
    invitations: [],
    ssh_keys: [href(`/ssh-keys/${LAB_SSH_KEY.id}`)],
    volumes: [],
    bgp_config: href(`/projects/${LAB_PROJECT.id}/bgp-config`),
    href: `${API_PREFIX}/projects/${LAB_PROJECT.id}`,
  };
}

/** Pagination per the spec's `Page`/`PerPage` parameters and `Meta` schema. */
function paginate<T>(items: readonly T[], url: URL, path: string, defaultPerPage = 10) {
  const page = intParam(url, 'page', 1, 1, 100_000);
  const perPage = intParam(url, 'per_page', defaultPerPage, 1, 1000);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const next = new URL(url);
    next.searchParams.set('page', String(p));
    next.searchParams.set('per_page', String(perPage));
    return { href: `${path}?${next.searchParams.toString()}` };
  };
  const meta: Record<string, unknown> = {
    first: link(1),
    last: link(lastPage),
    self: link(page),
    total: items.length,
    current_page: page,
    last_page: lastPage,
  };
  if (page < lastPage) meta.next = link(page + 1);
  if (page > 1) meta.previous = link(Math.min(page - 1, lastPage));
  return { slice: items.slice((page - 1) * perPage, page * perPage), meta };
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(422, { errors: [`${name} must be an integer between ${min} and ${max}`] });
  }
  return value;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_048_576) throw new HttpError(422, { errors: ['Request body is too large'] });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(422, { errors: ['Request body is not valid JSON'] });
  }
}

export class MetalApiServer {
  private server: LoopbackServer | null = null;
  private windowStart = 0;
  private windowCount = 0;
  /** Test control: answer the next N requests with this status (e.g. 503) before serving. */
  private injected: { status: number; remaining: number; retryAfter?: number; only?: RegExp } | null = null;

  constructor(private readonly options: MetalApiServerOptions) {}

  async listen(port = 0): Promise<string> {
    this.server = await serveOnLoopback((req, res) => this.handle(req, res), {
      port,
      onError: (message, error) => this.options.log?.warn(message, { cause: error }),
    });
    return `http://127.0.0.1:${this.server.port}${API_PREFIX}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }

  /**
   * A machine's JSON for one include/exclude combination, reused until the machine changes: a
   * 10,000-node list is then mostly string joining, which keeps the embedded lab cheap to poll.
   */
  private readonly jsonCache = new Map<string, { revision: number; expandKey: string; text: string }>();

  private cachedDeviceJson(machine: Machine, expand: Expand, expandKey: string): string {
    // Only lists without nested objects are kept (1.3 KB a device): whole devices are 4.8 KB, and
    // keeping them took a 50,000-node lab from 320 to 780 MiB. A full list is rare (a launch, then
    // every few minutes); a light one is the steady poll.
    if (expand.include.size > 0) return JSON.stringify(deviceJson(machine, this.options.fleet, expand, this.options.sshPublicKey));
    const cached = this.jsonCache.get(machine.id);
    if (cached && cached.revision === machine.revision && cached.expandKey === expandKey) return cached.text;
    const text = JSON.stringify(deviceJson(machine, this.options.fleet, expand, this.options.sshPublicKey));
    this.jsonCache.set(machine.id, { revision: machine.revision, expandKey, text });
    return text;
  }

  /** The next `count` requests (whose path matches `only`, when given) fail with `status`. */
  injectFailures(status: number, count: number, retryAfterSeconds?: number, only?: RegExp): void {
    this.injected = { status, remaining: count, retryAfter: retryAfterSeconds, only };
  }

  get rateLimit(): { limit: number; windowMs: number } | null {
    return this.options.rateLimit ?? null;
  }

  setRateLimit(rateLimit: MetalApiServerOptions['rateLimit']): void {
    this.options.rateLimit = rateLimit;
    this.windowCount = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let requestBody: unknown;
    let status: number;
    let body: unknown;
    let text: string | undefined;
    let headers: Record<string, string> = {};
    try {
      // The token first: nobody unauthenticated gets the server to read a body.
      this.gate(req);
      if (req.method === 'POST' || req.method === 'PUT') requestBody = await readJson(req);
      ({ status, body, text } = this.route(req.method ?? 'GET', url, requestBody));
    } catch (error) {
      if (error instanceof HttpError) {
        ({ status, body, headers } = error);
      } else if (error instanceof LabError) {
        status = error.status;
        body = error.status === 404 ? { error: error.message } : { errors: [error.message] };
      } else {
        this.options.log?.error('lab API request failed', { method: req.method, path: url.pathname, cause: error });
        status = 500;
        body = { error: "Oh snap, something went wrong! We've logged the error and will take a look." };
      }
    }
    text ??= body === undefined ? '' : JSON.stringify(body);
    if (this.options.onExchange) {
      const responseText = text;
      let parsed: unknown;
      this.options.onExchange({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        requestBody,
        status,
        responseBytes: Buffer.byteLength(responseText),
        // Parsed on first read only: the bench counts bytes of 10,000-node pages without paying for it.
        get responseBody() {
          parsed ??= responseText ? JSON.parse(responseText) : undefined;
          return parsed;
        },
      });
    }
    res.writeHead(status, { ...headers, ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}) });
    res.end(text);
  }

  private gate(req: IncomingMessage): void {
    if (
      this.injected &&
      this.injected.remaining > 0 &&
      (!this.injected.only || this.injected.only.test(new URL(req.url ?? '/', 'http://127.0.0.1').pathname))
    ) {
      this.injected.remaining -= 1;
      const { status, retryAfter } = this.injected;
      throw new HttpError(
        status,
        { error: status === 429 ? 'Too many requests' : 'Service temporarily unavailable' },
        retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
      );
    }
    if (!tokensMatch(this.options.token, req.headers['x-auth-token'])) {
      throw new HttpError(401, { error: 'Invalid authentication token' });
    }
    const limit = this.options.rateLimit;
    if (limit) {
      const now = Date.now();
      if (now - this.windowStart >= limit.windowMs) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      this.windowCount += 1;
      if (this.windowCount > limit.limit) {
        const reset = Math.ceil((this.windowStart + limit.windowMs - now) / 1000);
        throw new HttpError(
          429,
          { error: 'Rate limit exceeded' },
          {
            'Retry-After': String(Math.max(1, reset)),
            'X-RateLimit-Limit': String(limit.limit),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(Math.ceil((this.windowStart + limit.windowMs) / 1000)),
          },
        );
      }
    }
  }

  private route(method: string, url: URL, requestBody: unknown): { status: number; body?: unknown; text?: string } {
    const { fleet } = this.options;
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw new HttpError(404, { error: 'Not found' });
    const path = url.pathname.slice(API_PREFIX.length);
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((part) => {
        try {
          return decodeURIComponent(part);
        } catch {
          throw new HttpError(400, { error: `Malformed percent-encoding in the path: ${part.slice(0, 40)}` });
        }
      });
    const expand: Expand = { include: listParam(url.searchParams.get('include')), exclude: listParam(url.searchParams.get('exclude')) };
    const [root, id, sub] = parts;
    const requireProject = () => {
      if (id !== LAB_PROJECT.id) throw new HttpError(404, { error: 'Not found' });
    };
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw new HttpError(405, { error: `${method} is not supported on ${path}` });
    };

    if (root === 'projects' && parts.length === 1) {
      allow('GET');
      const { slice, meta } = paginate([projectJson(fleet)], url, url.pathname);
      return { status: 200, body: { projects: slice, meta } };
    }
    if (root === 'projects' && parts.length === 2) {
      allow('GET');
      requireProject();
      return { status: 200, body: applyExclude(projectJson(fleet), expand.exclude) };
    }
    if (root === 'projects' && sub === 'devices' && parts.length === 3) {
      allow('GET');
      requireProject();
      const machines = filterDevices(fleet.list(), url.searchParams);
      const { slice, meta } = paginate(machines, url, url.pathname);
      const expandKey = `${url.searchParams.get('include') ?? ''}|${url.searchParams.get('exclude') ?? ''}`;
      const devices = slice.map((m) => this.cachedDeviceJson(m, expand, expandKey));
      return { status: 200, text: `{"devices":[${devices.join(',')}],"meta":${JSON.stringify(meta)}}` };
    }
    if (root === 'projects' && sub === 'ssh-keys' && parts.length === 3) {
      allow('GET');
      requireProject();
      return { status: 200, body: { ssh_keys: [sshKeyJson(this.options.sshPublicKey)] } };
    }
    if (root === 'projects' && sub === 'virtual-networks' && parts.length === 3) {
      allow('GET');
      requireProject();
      const metro = url.searchParams.get('metro');
      const vlans = fleet.vlans.filter((v) => !metro || v.metro.code === metro || v.metro.id === metro);
      return { status: 200, body: { virtual_networks: vlans.map((v) => vlanJson(v, fleet, expand)) } };
    }
    if (root === 'virtual-networks' && parts.length === 2) {
      allow('GET');
      const vlan = fleet.vlans.find((v) => v.id === id);
      if (!vlan) throw new HttpError(404, { error: 'Not found' });
      return { status: 200, body: vlanJson(vlan, fleet, expand) };
    }
    if (root === 'devices' && id && parts.length === 2) {
      allow('GET', 'PUT');
      if (method === 'PUT') {
        if (!requestBody || typeof requestBody !== 'object' || Array.isArray(requestBody))
          throw new HttpError(422, { errors: ['Request body must be a JSON object'] });
        return { status: 200, body: deviceJson(fleet.update(id, requestBody as Record<string, unknown>), fleet, expand, this.options.sshPublicKey) };
      }
      return { status: 200, body: deviceJson(fleet.get(id), fleet, expand, this.options.sshPublicKey) };
    }
    if (root === 'devices' && id && sub === 'actions' && parts.length === 3) {
      allow('POST');
      if (!requestBody || typeof requestBody !== 'object') throw new HttpError(422, { errors: ['Request body must be a JSON object'] });
      fleet.action(id, requestBody as Record<string, unknown>);
      return { status: 202 };
    }
    if (root === 'projects' && sub === 'events' && parts.length === 3) {
      allow('GET');
      requireProject();
      const { slice, meta } = paginate(fleet.newestEvents(), url, url.pathname);
      return { status: 200, body: { events: slice.map((e) => eventJson(e, fleet.machines.get(e.machineId)!)), meta } };
    }
    if (root === 'devices' && id && sub === 'events' && parts.length === 3) {
      allow('GET');
      const machine = fleet.get(id);
      const { slice, meta } = paginate(machine.events, url, url.pathname);
      return { status: 200, body: { events: slice.map((e) => eventJson(e, machine)), meta } };
    }
    if (root === 'devices' && id && sub === 'userdata' && parts.length === 3) {
      allow('GET');
      return { status: 200, body: { userdata: fleet.get(id).userdata } };
    }
    if (root === 'locations' && id === 'metros' && parts.length === 2) {
      allow('GET');
      return { status: 200, body: { metros: LAB_METROS.map(metroJson) } };
    }
    if (root === 'facilities' && parts.length === 1) {
      allow('GET');
      return { status: 200, body: { facilities: LAB_METROS.flatMap((m) => m.facilities.map((f) => facilityJson(m, f))) } };
    }
    if (root === 'plans' && parts.length === 1) {
      allow('GET');
      return { status: 200, body: { plans: LAB_PLANS.map(planJson) } };
    }
    if (root === 'operating-systems' && parts.length === 1) {
      allow('GET');
      return { status: 200, body: { operating_systems: LAB_OPERATING_SYSTEMS.map((os) => osJson(os)) } };
    }
    if (root === 'ssh-keys' && parts.length === 1) {
      allow('GET');
      return { status: 200, body: { ssh_keys: [sshKeyJson(this.options.sshPublicKey)] } };
    }
    throw new HttpError(404, { error: 'Not found' });
  }
}

/** The device-list filters the spec names (`search`, `metro`, `facility`, `hostname`, `tag`) plus `state`. */
function filterDevices(machines: readonly Machine[], params: URLSearchParams): readonly Machine[] {
  if (!['search', 'metro', 'facility', 'hostname', 'tag', 'state'].some((name) => params.has(name))) return machines;
  const search = params.get('search')?.toLowerCase();
  const metro = params.get('metro');
  const facility = params.get('facility');
  const hostname = params.get('hostname');
  const tag = params.get('tag');
  const state = params.get('state');
  return machines.filter(
    (m) =>
      (!search || m.hostname.toLowerCase().includes(search) || m.id.startsWith(search)) &&
      (!metro || m.metro.code === metro || m.metro.id === metro) &&
      (!facility || m.facility.code === facility || m.facility.id === facility) &&
      (!hostname || m.hostname === hostname) &&
      (!tag || m.tags.includes(tag)) &&
      (!state || m.state === state),
  );
}
