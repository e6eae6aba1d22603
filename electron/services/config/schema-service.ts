/**
 * The upstream JSON Schemas that check Ignition, Talos and cloud-config documents. Ironpane carries
 * no copies: each kind's schema is fetched from a source (the canonical upstream URL by default; a
 * mirror URL or a local file for air-gapped sites), checked to be a schema, and cached in the data
 * folder with its source and fetch time. When a kind has no schema (never fetched, fetch failed),
 * the editor says so plainly and the document is checked for syntax only. Butane needs none: its
 * own translator checks it.
 *
 * Validation is @cfworker/json-schema (no eval; draft-04 for Ignition and cloud-init, 2020-12 for
 * Talos, one document at a time, each against the definition for its kind).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Validator } from '@cfworker/json-schema';
import type { ConfigDiagnostic } from '../../../shared/config/diagnostics';
import { schemaDiagnostics, type SchemaError } from '../../../shared/config/schema-diagnostics';
import { completeKeys, deprecatedKeys, hoverKey, type HoverHint, type KeyHint } from '../../../shared/config/schema-hints';
import { BUTANE_SCHEMA } from '../../../shared/config/butane-schema';
import { DEFAULT_TALOS_VERSION } from '../../../shared/config/kinds';
import { AppError } from '../../../shared/errors';
import { writeFileAtomic } from '../files/safe-files';
import { readUntrustedFile } from '../files/safe-files';
import { PeerHttp, parseJsonLimited } from '../net/peer-http';
import type { Logger } from '../ports';

export const SCHEMA_KINDS = ['ignition', 'talos', 'cloud-config'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** Canonical upstream locations (coreos/ignition, siderolabs/talos, canonical/cloud-init). */
export const DEFAULT_SCHEMA_SOURCES: Record<SchemaKind, string> = {
  ignition: 'https://raw.githubusercontent.com/coreos/ignition/main/config/v3_6/schema/ignition.json',
  // `{version}` is the Talos version a profile targets (DEFAULT_TALOS_VERSION unless it names one).
  talos: 'https://raw.githubusercontent.com/siderolabs/talos/v{version}/pkg/machinery/config/schemas/config.schema.json',
  'cloud-config': 'https://raw.githubusercontent.com/canonical/cloud-init/main/cloudinit/config/schemas/schema-cloud-config-v1.json',
};

export { DEFAULT_TALOS_VERSION };

const MAX_SCHEMA_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 20_000;
/** Talos' schema nests about 12 levels; cloud-init's about 15. */
const MAX_SCHEMA_DEPTH = 128;

export interface SchemaStatus {
  kind: SchemaKind;
  source: string;
  fetchedAt: string | null;
  /** Why there is no schema, in words; null when there is one. */
  problem: string | null;
}

interface Cached {
  source: string;
  fetchedAt: string;
  schema: Record<string, unknown>;
}

export class SchemaService {
  private sources: Record<SchemaKind, string> = { ...DEFAULT_SCHEMA_SOURCES };
  /** Keyed by kind, or `talos@<version>`: each Talos release has its own schema. */
  private readonly cache = new Map<string, Cached>();
  private readonly problems = new Map<string, string>();
  private readonly validators = new Map<string, Validator>();
  private readonly loading = new Map<string, Promise<Cached | null>>();

  constructor(private readonly options: { dataDir: string; log: Logger; sources?: Partial<Record<SchemaKind, string>> }) {
    Object.assign(this.sources, options.sources);
  }

  private get settingsFile() {
    return path.join(this.options.dataDir, 'config-schemas.json');
  }

  private cacheFile(key: string) {
    return path.join(this.options.dataDir, 'schemas', `${key.replace(/[^A-Za-z0-9.@-]/g, '_')}.json`);
  }

  private key(kind: SchemaKind, version = DEFAULT_TALOS_VERSION): string {
    return kind === 'talos' ? `talos@${version}` : kind;
  }

  private sourceFor(kind: SchemaKind, version = DEFAULT_TALOS_VERSION): string {
    return this.sources[kind].replaceAll('{version}', version);
  }

  async load(): Promise<void> {
    try {
      const saved = JSON.parse(await fs.readFile(this.settingsFile, 'utf8')) as Partial<Record<SchemaKind, string>>;
      for (const kind of SCHEMA_KINDS) if (typeof saved[kind] === 'string') this.sources[kind] = saved[kind];
    } catch {
      // No settings yet: the defaults (or what the host passed) stand.
    }
  }

  status(): SchemaStatus[] {
    return SCHEMA_KINDS.map((kind) => {
      const key = this.key(kind);
      return {
        kind,
        source: this.sources[kind],
        fetchedAt: this.cache.get(key)?.fetchedAt ?? null,
        problem: this.cache.has(key) ? null : (this.problems.get(key) ?? null),
      };
    });
  }

  /** A new source is fetched at once: a bad one is refused and the old one kept. */
  async setSource(kind: SchemaKind, source: string): Promise<SchemaStatus[]> {
    const clean = source.trim() || DEFAULT_SCHEMA_SOURCES[kind];
    const fetched = await this.fetchSchema(kind, clean.replaceAll('{version}', DEFAULT_TALOS_VERSION));
    this.sources[kind] = clean;
    await writeFileAtomic(this.settingsFile, JSON.stringify(this.sources, null, 2), 0o600);
    // Other Talos versions cached from the old source are stale now.
    for (const key of [...this.cache.keys()]) if (key === kind || key.startsWith(`${kind}@`)) this.cache.delete(key);
    await this.store(this.key(kind), fetched);
    return this.status();
  }

  async refresh(kind: SchemaKind, version?: string): Promise<SchemaStatus[]> {
    const key = this.key(kind, version);
    try {
      await this.store(key, await this.fetchSchema(kind, this.sourceFor(kind, version)));
    } catch (error) {
      this.problems.set(key, error instanceof Error ? error.message : String(error));
      throw error;
    }
    return this.status();
  }

  /** Schema problems of a document, or one warning saying why it could not be checked. */
  async check(kind: SchemaKind, text: string, version?: string): Promise<ConfigDiagnostic[]> {
    const cached = await this.schema(kind, version);
    if (!cached) {
      const why = this.problems.get(this.key(kind, version)) ?? 'it has not been fetched yet';
      const name = kind === 'talos' ? `Talos ${version ?? DEFAULT_TALOS_VERSION}` : KIND_NAME[kind];
      return [
        {
          severity: 'warning',
          message: `No ${name} schema yet (${why}); only the syntax was checked. Set its source under Schemas.`,
          path: '',
          from: 0,
          to: 0,
          line: 1,
          column: 1,
        },
      ];
    }
    const errors = schemaDiagnostics(text, (instance) => this.validate(kind, cached, instance));
    return [...errors, ...this.deprecations(kind, cached, text)];
  }

  private deprecations(kind: SchemaKind, cached: Cached, text: string): ConfigDiagnostic[] {
    const lines = text.split('\n');
    const lineStarts: number[] = [];
    for (let i = 0, at = 0; i < lines.length; at += lines[i]!.length + 1, i++) lineStarts.push(at);
    return deprecatedKeys(cached.schema, (doc) => this.startFor(kind, cached, doc), text).map((d) => {
      let line = 0;
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= d.from) line++;
      return { severity: 'warning' as const, message: d.message, path: d.path, from: d.from, to: d.to, line: line + 1, column: d.from - lineStarts[line]! + 1 };
    });
  }

  /** Keys that fit at `offset`, from the schema (empty without one); Butane's from its translator's field table. */
  async complete(kind: SchemaKind | 'butane', text: string, offset: number, version?: string): Promise<KeyHint[]> {
    if (kind === 'butane') return completeKeys(BUTANE_SCHEMA, () => BUTANE_SCHEMA, text, offset);
    const cached = await this.schema(kind, version);
    return cached ? completeKeys(cached.schema, (doc) => this.startFor(kind, cached, doc), text, offset) : [];
  }

  async hover(kind: SchemaKind | 'butane', text: string, offset: number, version?: string): Promise<HoverHint | null> {
    if (kind === 'butane') return hoverKey(BUTANE_SCHEMA, () => BUTANE_SCHEMA, text, offset);
    const cached = await this.schema(kind, version);
    return cached ? hoverKey(cached.schema, (doc) => this.startFor(kind, cached, doc), text, offset) : null;
  }

  private startFor(kind: SchemaKind, cached: Cached, doc: Record<string, unknown>): Record<string, unknown> | null {
    if (kind !== 'talos') return cached.schema;
    const definition = talosDefinition(cached.schema, doc);
    return definition ? { $ref: `#/$defs/${definition}` } : null;
  }

  private validate(kind: SchemaKind, cached: Cached, instance: unknown): SchemaError[] {
    const definition = kind === 'talos' ? talosDefinition(cached.schema, instance as Record<string, unknown>) : null;
    if (kind === 'talos' && !definition) {
      const kindName = (instance as { kind?: unknown }).kind;
      return [
        {
          keyword: 'kind',
          instanceLocation: '#',
          error:
            typeof kindName === 'string'
              ? `Talos has no document kind “${kindName}” in this schema version.`
              : 'A Talos document needs `version: v1alpha1`, or `apiVersion` and `kind`.',
        },
      ];
    }
    const key = `${kind}:${cached.source}:${cached.fetchedAt}:${definition ?? ''}`;
    let validator = this.validators.get(key);
    if (!validator) {
      const schema = definition ? { ...cached.schema, oneOf: undefined, $ref: `#/$defs/${definition}` } : cached.schema;
      delete (schema as { oneOf?: unknown }).oneOf;
      validator = new Validator(schema as never, kind === 'talos' ? '2020-12' : '4', false);
      this.validators.set(key, validator);
    }
    return validator.validate(instance).errors as SchemaError[];
  }

  private async schema(kind: SchemaKind, version?: string): Promise<Cached | null> {
    const key = this.key(kind, version);
    const ready = this.cache.get(key);
    if (ready) return ready;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.fromDiskOrSource(kind, key, this.sourceFor(kind, version)).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async fromDiskOrSource(kind: SchemaKind, key: string, source: string): Promise<Cached | null> {
    try {
      const cached = JSON.parse(await fs.readFile(this.cacheFile(key), 'utf8')) as Cached;
      if (cached.source === source && cached.schema && typeof cached.schema === 'object') {
        this.cache.set(key, cached);
        return cached;
      }
    } catch {
      // Nothing cached for this source yet.
    }
    try {
      return await this.store(key, await this.fetchSchema(kind, source));
    } catch (error) {
      this.problems.set(key, error instanceof Error ? error.message : String(error));
      this.options.log.warn('schema fetch failed', { kind, source, cause: error });
      return null;
    }
  }

  private async store(key: string, cached: Cached): Promise<Cached> {
    this.cache.set(key, cached);
    this.problems.delete(key);
    await writeFileAtomic(this.cacheFile(key), JSON.stringify(cached), 0o600);
    return cached;
  }

  /**
   * A mirror through main's one HTTP client: redirects only within the mirror's origin, a body cap
   * (a 1.5 GB answer took main to 3.1 GB), an idle timeout and a deadline; errors give the status,
   * never the body.
   */
  private async fromMirror(kind: SchemaKind, source: string): Promise<Buffer> {
    const url = new URL(source);
    const mirror = new PeerHttp({
      peer: `The schema mirror ${url.host}`,
      origin: url.origin,
      limits: { maxBytes: MAX_SCHEMA_BYTES, idleMs: FETCH_TIMEOUT_MS, deadlineMs: 3 * FETCH_TIMEOUT_MS },
    });
    try {
      const response = await mirror.request(url, { headers: { Accept: 'application/json' } }).catch((error: AppError) => {
        throw new AppError(error.code, `Could not fetch the ${KIND_NAME[kind]} schema from ${source}: ${error.message}`, {
          retryable: error.retryable,
          cause: error,
        });
      });
      if (response.status !== 200) throw new AppError('unavailable', `${source} answered ${response.status} for the ${KIND_NAME[kind]} schema.`);
      return response.body;
    } finally {
      await mirror.close();
    }
  }

  /** Reads a schema from a URL or a file, and makes sure it is one. */
  private async fetchSchema(kind: SchemaKind, source: string): Promise<Cached> {
    let bytes: Buffer;
    if (/^https?:\/\//i.test(source)) {
      bytes = await this.fromMirror(kind, source);
    } else if (source.startsWith('/') || /^[A-Za-z]:[\\/]/.test(source) || source.startsWith('file://')) {
      const file = source.startsWith('file://') ? new URL(source).pathname : source;
      bytes = await readUntrustedFile(file, { what: `${KIND_NAME[kind]} schema file`, maxBytes: MAX_SCHEMA_BYTES });
    } else {
      throw new AppError('invalid', `A schema source is an https:// (or http://) URL or an absolute file path; “${source}” is neither.`);
    }
    const schema = parseJsonLimited(
      bytes,
      MAX_SCHEMA_DEPTH,
      () => source,
      () => new AppError('invalid', `${source} is not JSON, so it is not a JSON Schema. Check the address points at the raw schema file.`),
    );
    // Only a JSON Schema document: a known draft in `$schema`. Any other JSON file (a settings file,
    // a token cache) would otherwise have its property names and descriptions shown in completion.
    if (!isJsonSchemaDocument(schema)) {
      throw new AppError(
        'invalid',
        `${source} is JSON but not a JSON Schema document: it must name its draft in $schema (draft-04, -06, -07, 2019-09 or 2020-12).`,
      );
    }
    return { source, fetchedAt: new Date().toISOString(), schema };
  }
}

const KIND_NAME: Record<SchemaKind, string> = { ignition: 'Ignition', talos: 'Talos', 'cloud-config': 'cloud-config' };

/** The JSON Schema meta-schemas a document may name (json-schema.org/specification-links). */
const KNOWN_DRAFTS = /^https?:\/\/json-schema\.org\/(draft-0[4-7]\/schema|draft\/(2019-09|2020-12)\/schema)#?$/;

function isJsonSchemaDocument(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const declared = (value as Record<string, unknown>).$schema;
  return typeof declared === 'string' && KNOWN_DRAFTS.test(declared);
}

/** The `$defs` entry a Talos document is checked against: `v1alpha1.Config`, or the one whose `kind` matches. */
export function talosDefinition(schema: Record<string, unknown>, doc: Record<string, unknown>): string | null {
  const defs = (schema.$defs ?? {}) as Record<string, { properties?: Record<string, { enum?: unknown[] }> }>;
  if (doc.kind === undefined && doc.version === 'v1alpha1' && defs['v1alpha1.Config']) return 'v1alpha1.Config';
  if (typeof doc.kind !== 'string') return null;
  for (const [name, def] of Object.entries(defs)) if (def.properties?.kind?.enum?.includes(doc.kind)) return name;
  return null;
}
