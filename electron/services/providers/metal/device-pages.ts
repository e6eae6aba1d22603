/**
 * One page of the Metal device list, from the answer's bytes to what MetalProvider keeps: decoded
 * (bounded), checked against the wire schema, normalised. At 50,000 devices a first sync is 240 MB
 * of JSON; this runs in the page worker (device-page-worker.ts) so main's event loop stays free, and
 * inline where no worker is bundled (unit tests running the TypeScript) or the page is small.
 */
import { hash } from 'node:crypto';
import type { FleetNode } from '../../../../shared/model';
import { AppError, type AppErrorData } from '../../../../shared/errors';
import { parseJsonInWorker } from '../../net/json-limited';
import { digestOf } from '../node-fingerprint';
import { normaliseDevice, normaliseLightFields, type LightNodeFields } from './normalise';
import { DevicePageWire, DeviceWire } from './wire';

/**
 * What a steady-state poll leaves out: the nested objects that only change together with the
 * device's `updated_at` or its state (a reinstall, a network change). They are three quarters of a
 * device's JSON; a light list is 1.3 KB a device instead of 4.8 KB in the lab.
 */
export const HEAVY_FIELDS = ['metro', 'facility', 'plan', 'operating_system', 'network_ports', 'ip_addresses', 'project_lite', 'iqn'];
/** Large fields the fleet view never shows; excluding them keeps every list small. `customdata` stays: the node's agent reports its OS slots there. */
export const DEVICE_EXCLUDE = ['ssh_keys', 'provisioning_events', 'userdata', 'root_password', 'project', 'volumes', 'created_by'];
const NOT_IN_DIGEST = new Set([...DEVICE_EXCLUDE, ...HEAVY_FIELDS]);

/** One device of a page, as the provider keeps it. */
export interface PageDevice {
  id: string;
  updatedAt: string | null;
  state: string | null;
  /**
   * A digest of the fields a light list carries: the same digest, nothing a light list can see
   * moved. Kept instead of that JSON, which was 65 MB of main's heap at 50,000 devices.
   */
  lightDigest: string;
  /** The whole node, where the page carried the nested objects. */
  node: FleetNode | null;
  /** Otherwise what the light fields say, to merge over the node the provider already has. */
  light: LightNodeFields | null;
  /** A node from a light list and the catalog: no addresses, ports or VLANs yet (a full list follows). */
  partial?: boolean;
  /** The node's fingerprint (node-fingerprint.ts), worked out here rather than on main. */
  fingerprint?: string;
}

export interface DevicePage {
  devices: PageDevice[];
  /** The answer's `meta`: whether there is a next page, and how many pages the server says there are. */
  next: boolean;
  lastPage: number | null;
}

export interface DevicePageRequest {
  /** The answer's bytes. */
  body: Uint8Array;
  accountId: string;
  kind: 'lab' | 'metal';
  /** The endpoint's host, for messages. */
  host: string;
  /** The request, for messages: "GET /metal/v1/projects/…/devices". */
  what: string;
  maxJsonDepth: number;
  /** The list asked for the nested objects (a full list): whole nodes; else light fields. */
  whole: boolean;
  /**
   * A light list of a first sync: its metro, facility, plan and OS hrefs resolved against this
   * catalog (href → object) into nodes without their addresses and ports, to show at once.
   */
  catalog?: Record<string, unknown>;
}

/** The digest of what a light list says about a device (any device JSON: whole or light). */
export function lightDigestOf(device: DeviceWire): string {
  let text = '';
  for (const key in device) if (!NOT_IN_DIGEST.has(key)) text += `${JSON.stringify(key)}:${JSON.stringify((device as Record<string, unknown>)[key]) ?? ''},`;
  return hash('sha1', text, 'base64');
}

export function pageDevice(accountId: string, kind: 'lab' | 'metal', device: DeviceWire, whole: boolean, digest = true): PageDevice {
  return {
    id: device.id,
    updatedAt: device.updated_at ?? null,
    state: device.state ?? null,
    lightDigest: digest ? lightDigestOf(device) : '',
    node: whole ? normaliseDevice(accountId, device, kind) : null,
    light: whole ? null : normaliseLightFields(device),
  };
}

/** A light device with its nested hrefs resolved against the catalog: a node to show while its details load. */
function sketchDevice(accountId: string, kind: 'lab' | 'metal', device: DeviceWire, catalog: Record<string, unknown>): PageDevice {
  const resolve = <T>(nested: T): T => {
    const href = (nested as { href?: unknown } | null | undefined)?.href;
    return typeof href === 'string' && href in catalog ? (catalog[href] as T) : nested;
  };
  // The catalog's entries were checked when it was read (MetalClient.catalog).
  const sketch: DeviceWire = {
    ...device,
    metro: resolve(device.metro),
    facility: resolve(device.facility),
    plan: resolve(device.plan),
    operating_system: resolve(device.operating_system),
  };
  // No light digest: a sketch is shown, never kept to compare later lists with.
  return { ...pageDevice(accountId, kind, sketch, true, false), partial: true };
}

/** The error for an answer that is not a device page (the same words inline and in the worker). */
export function notADevicePage(host: string, detail?: string): AppError {
  return new AppError('unavailable', `${host} answered in a shape Ironpane does not recognise. Check the base URL points at a Metal API (…/metal/v1).`, {
    detail,
  });
}

/** Reads one page: whole nodes for a full list, light fields for a light one. Throws an AppError a person can act on. */
export function readDevicePage(request: DevicePageRequest): DevicePage {
  const json = parseJsonInWorker(
    Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength),
    request.maxJsonDepth,
    () => `${request.host}'s answer to ${request.what}`,
    () => new AppError('unavailable', `${request.host} answered with something that is not JSON. Check the base URL points at a Metal API (…/metal/v1).`),
  );
  const page = DevicePageWire.safeParse(json);
  if (!page.success) throw notADevicePage(request.host, issuesText(page.error.issues, ''));
  const devices: PageDevice[] = [];
  const shared = new SharedValues();
  for (const [index, raw] of page.data.devices.entries()) {
    const parsed = DeviceWire.safeParse(raw);
    if (!parsed.success) throw notADevicePage(request.host, issuesText(parsed.error.issues, `devices.${index}.`));
    const device =
      request.catalog && !request.whole
        ? sketchDevice(request.accountId, request.kind, parsed.data, request.catalog)
        : pageDevice(request.accountId, request.kind, parsed.data, request.whole);
    if (device.node) {
      shared.share(device.node);
      // A sketch is shown once and replaced by the full list's node: it needs a fingerprint no
      // whole node has (so the whole one replaces it), not a digest (a quarter of a sketch page's cost).
      device.fingerprint = device.partial ? `sketch:${device.updatedAt ?? ''}:${device.state ?? ''}` : digestOf(device.node);
    }
    devices.push(device);
  }
  const meta = page.data.meta;
  return { devices, next: Boolean(meta?.next), lastPage: meta?.last_page ?? null };
}

/** Fields most nodes of a page have in common: one object for all of them, which the page's message keeps shared. */
const SHARED_FIELDS = ['metro', 'facility', 'os', 'tags', 'vlans', 'actions', 'capabilities'] as const;

/** What tells two values of a shared field apart, cheaper than their JSON where the shape is known. */
function keyOf(field: (typeof SHARED_FIELDS)[number], value: object): string {
  if (Array.isArray(value)) return value.join('\u0000');
  if (field === 'metro' || field === 'facility') return `${(value as { code: string }).code}\u0000${(value as { name: string }).name}`;
  return JSON.stringify(value);
}

/**
 * Makes a page's nodes share their repeated values: a structured clone keeps one object that many
 * nodes refer to as one, so main holds (and packs for a window) each metro, OS and capability list
 * of a page once instead of 500 times.
 */
class SharedValues {
  private readonly seen = new Map<string, unknown>();

  share(node: FleetNode): void {
    const fields = node as unknown as Record<string, unknown>;
    for (const field of SHARED_FIELDS) {
      const value = fields[field];
      if (typeof value !== 'object' || value === null) continue;
      const key = `${field}:${keyOf(field, value)}`;
      const first = this.seen.get(key);
      if (first === undefined) this.seen.set(key, value);
      else fields[field] = first;
    }
  }
}

function issuesText(issues: { path: PropertyKey[]; message: string }[], prefix: string): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${prefix}${issue.path.map(String).join('.')}: ${issue.message}`)
    .join('\n');
}

/** What crosses back from the worker: the page, or the error as data. */
export type DevicePageAnswer = { page: DevicePage } | { error: AppErrorData };
