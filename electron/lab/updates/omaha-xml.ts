/**
 * The Omaha v3 wire format, both sides, as update_engine and Nebraska speak it: the shapes of
 * go-omaha's `protocol.go` and the update_engine request/response fixtures. Parsing uses
 * fast-xml-parser; responses are written as plain text with every attribute escaped.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface OmahaEvent {
  type: number;
  result: number;
  previousVersion: string;
  errorCode: number;
}

export interface OmahaAppRequest {
  appId: string;
  version: string;
  track: string;
  machineId: string;
  machineAlias: string;
  oem: string;
  alephVersion: string;
  board: string;
  ping: boolean;
  updateCheck: boolean;
  events: OmahaEvent[];
}

export interface OmahaRequest {
  protocol: string;
  version: string;
  installSource: string;
  apps: OmahaAppRequest[];
}

export class OmahaParseError extends Error {}

/** Requests are small; a cap keeps a hostile client from making the lab parse megabytes. */
export const MAX_OMAHA_REQUEST_BYTES = 64 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  // Only the elements Omaha repeats (apps, their events; a manifest's packages and urls); the rest are single.
  isArray: (name) => name === 'app' || name === 'event' || name === 'package' || name === 'url',
  processEntities: true,
});

type Attrs = Record<string, unknown>;
const text = (attrs: Attrs | undefined, key: string) => (typeof attrs?.[key] === 'string' ? (attrs[key] as string) : '');
const int = (attrs: Attrs | undefined, key: string) => {
  const value = Number.parseInt(text(attrs, key), 10);
  return Number.isFinite(value) ? value : 0;
};
/** update_engine wraps ids in braces (`{8BDE4C4D-…}`); Nebraska stores them bare. */
export const bareId = (id: string) => id.replace(/^\{|\}$/g, '');

/** request → app → event/updatecheck/ping: 3 levels; some clients nest a little more. */
const MAX_OMAHA_DEPTH = 8;

/** The deepest element nesting in a document, by a scan of its tags (cheap, and never recursive). */
function nestingDepth(xml: string): number {
  let depth = 0;
  let deepest = 0;
  for (let at = xml.indexOf('<'); at >= 0; at = xml.indexOf('<', at + 1)) {
    const next = xml[at + 1];
    if (next === '?' || next === '!') continue;
    if (next === '/') {
      depth--;
      continue;
    }
    const close = xml.indexOf('>', at);
    if (close < 0) break;
    if (xml[close - 1] === '/') continue;
    deepest = Math.max(deepest, ++depth);
  }
  return deepest;
}

/** Parses a request; throws OmahaParseError for anything that is not an Omaha v3 `<request>`. */
export function parseOmahaRequest(xml: string): OmahaRequest {
  if (xml.length > MAX_OMAHA_REQUEST_BYTES) throw new OmahaParseError('request is larger than 64 KiB');
  // Omaha requests never carry a DTD; refusing one closes entity expansion ("billion laughs") and
  // external entities before the parser sees them.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new OmahaParseError('DTDs and entity declarations are not allowed');
  const depth = nestingDepth(xml);
  if (depth > MAX_OMAHA_DEPTH) throw new OmahaParseError(`elements are nested ${depth} deep; an Omaha request has at most ${MAX_OMAHA_DEPTH} levels`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new OmahaParseError(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  let doc: { request?: Attrs & { app?: Attrs[] } };
  try {
    doc = parser.parse(xml) as typeof doc;
  } catch (error) {
    throw new OmahaParseError(`the XML could not be read (${error instanceof Error ? error.message.slice(0, 120) : 'parse error'})`);
  }
  const request = doc.request;
  if (!request || typeof request !== 'object') throw new OmahaParseError('the document is not an Omaha <request>');
  const apps = (request.app ?? []).map((app): OmahaAppRequest => {
    const events = ((app.event as Attrs[] | undefined) ?? []).map((event) => ({
      type: int(event, 'eventtype'),
      result: int(event, 'eventresult'),
      previousVersion: text(event, 'previousversion'),
      errorCode: int(event, 'errorcode'),
    }));
    return {
      appId: bareId(text(app, 'appid')),
      version: text(app, 'version'),
      track: text(app, 'track'),
      machineId: bareId(text(app, 'machineid')),
      machineAlias: text(app, 'machinealias'),
      oem: text(app, 'oem'),
      alephVersion: text(app, 'alephversion'),
      board: text(app, 'board'),
      ping: app.ping !== undefined,
      updateCheck: app.updatecheck !== undefined,
      events,
    };
  });
  return { protocol: text(request, 'protocol'), version: text(request, 'version'), installSource: text(request, 'installsource'), apps };
}

const escape = (value: string | number | boolean) =>
  String(value).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const attrs = (values: Record<string, string | number | boolean>) =>
  Object.entries(values)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('');

export interface OmahaManifest {
  version: string;
  url: string;
  filename: string;
  size: number;
  sha1: string;
  sha256: string;
}

export interface OmahaAppResponse {
  appId: string;
  status: string;
  ping: boolean;
  events: number;
  /** `ok` with a manifest, `noupdate`, or an `error-…` status; absent when the app did not check. */
  updateCheck: { status: 'ok'; manifest: OmahaManifest } | { status: string } | null;
}

/** A response in go-omaha's shape: daystart, then per app its ping, events and updatecheck. */
export function writeOmahaResponse(apps: OmahaAppResponse[], elapsedSeconds: number): string {
  const body = apps
    .map((app) => {
      const parts: string[] = [];
      if (app.ping) parts.push('<ping status="ok"></ping>');
      for (let i = 0; i < app.events; i++) parts.push('<event status="ok"></event>');
      const check = app.updateCheck;
      if (check && 'manifest' in check) {
        const m = check.manifest;
        parts.push(
          `<updatecheck status="ok"><urls><url${attrs({ codebase: m.url })}></url></urls>` +
            `<manifest${attrs({ version: m.version })}><packages><package${attrs({ hash: m.sha1, name: m.filename, size: m.size, required: true })}></package></packages>` +
            `<actions><action${attrs({ event: 'postinstall', ChromeOSVersion: m.version, sha256: m.sha256, needsadmin: false, IsDelta: false, DisablePayloadBackoff: false })}></action></actions>` +
            `</manifest></updatecheck>`,
        );
      } else if (check) {
        parts.push(`<updatecheck${attrs({ status: check.status })}></updatecheck>`);
      }
      return `<app${attrs({ appid: `{${app.appId}}`, status: app.status })}>${parts.join('')}</app>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response protocol="3.0" server="nebraska"><daystart${attrs({ elapsed_seconds: elapsedSeconds })}></daystart>${body}</response>`;
}

export interface OmahaClientApp {
  appId: string;
  version: string;
  track: string;
  machineId: string;
  machineAlias: string;
  oem: string;
  alephVersion: string;
  bootId: string;
  ping: boolean;
  updateCheck: boolean;
  events: OmahaEvent[];
}

/** A request as Flatcar's update_engine writes it (compare omaha-fixtures update-engine/update/request.xml). */
export function writeOmahaRequest(app: OmahaClientApp, installSource: 'scheduler' | 'ondemandupdate' = 'scheduler'): string {
  const children: string[] = [];
  if (app.ping) children.push('<ping active="1" a="-1" r="-1"></ping>');
  if (app.updateCheck) children.push('<updatecheck targetversionprefix=""></updatecheck>');
  for (const e of app.events) {
    children.push(
      `<event${attrs({ eventtype: e.type, eventresult: e.result, previousversion: e.previousVersion, ...(e.errorCode ? { errorcode: e.errorCode } : {}) })}></event>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<request${attrs({ protocol: '3.0', version: 'update_engine-0.4.10', updaterversion: 'update_engine-0.4.10', installsource: installSource, ismachine: 1 })}>\n` +
    `<os${attrs({ version: 'Chateau', platform: 'CoreOS', sp: `${app.version}_x86_64` })}></os>\n` +
    `<app${attrs({
      appid: `{${app.appId}}`,
      version: app.version,
      track: app.track,
      from_track: app.track,
      bootid: `{${app.bootId}}`,
      machineid: app.machineId,
      machinealias: app.machineAlias,
      oem: app.oem,
      alephversion: app.alephVersion,
      lang: 'en-US',
      board: 'amd64-usr',
      hardware_class: '',
      delta_okay: 'false',
    })}>\n${children.join('\n')}\n</app>\n</request>\n`
  );
}

/** Reads a response the way update_engine does: per app, the updatecheck status and its manifest. */
export function parseOmahaResponse(xml: string): { appId: string; status: string; updateCheck: string | null; manifest: OmahaManifest | null }[] {
  const doc = parser.parse(xml) as {
    response?: { app?: Attrs[] };
  };
  return (doc.response?.app ?? []).map((app) => {
    const check = app.updatecheck as
      (Attrs & { urls?: { url?: Attrs[] }; manifest?: Attrs & { packages?: { package?: Attrs[] }; actions?: { action?: Attrs } } }) | undefined;
    const pkg = check?.manifest?.packages?.package?.[0];
    const action = check?.manifest?.actions?.action;
    const url = check?.urls?.url?.[0];
    const manifest =
      check && text(check, 'status') === 'ok' && pkg && url
        ? {
            version: text(check.manifest, 'version'),
            url: text(url, 'codebase'),
            filename: text(pkg, 'name'),
            size: int(pkg, 'size'),
            sha1: text(pkg, 'hash'),
            sha256: text(action, 'sha256'),
          }
        : null;
    return { appId: bareId(text(app, 'appid')), status: text(app, 'status'), updateCheck: check ? text(check, 'status') : null, manifest };
  });
}
