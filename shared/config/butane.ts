/**
 * Butane (variant `flatcar`) to Ignition, pure and deterministic, with every problem placed at its
 * line and column. Follows coreos/butane: `config/flatcar/v1_0` (base `v0_4`, Ignition 3.3.0) and
 * `v1_1` (base `v0_5`, Ignition 3.4.0); the field tables below are their `schema.go`, the sugar is
 * `base/v0_4/translate.go`:
 * - snake_case keys become Ignition's camelCase (`size_mib` → `sizeMiB`);
 * - `contents.inline` (also in `append`, `ignition.config`, TLS CAs, LUKS key files) becomes a data
 *   URL (see data-url.ts) with `compression: ""`, so a child config cannot inherit a parent's;
 * - `with_mount_unit` generates the `.mount` (or `.swap`) unit Butane would;
 * - `*_local` and `trees` read files from a files directory, which a document edited in Ironpane does
 *   not have: they are errors that say so;
 * - only one of `inline`/`local`/`source`, `contents`/`contents_local`; `with_mount_unit` needs a
 *   `format` and (unless swap) a `path`; `storage.luks.clevis` is refused on Flatcar;
 * - a mode that is only reasonable read as octal (`644`) warns; an unknown key warns ("Unused key").
 * Never compresses (Go's gzip output cannot be reproduced), so equal input gives equal output.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type Scalar } from 'yaml';
import { makeDataUrl, utf8Bytes } from './data-url';
import type { ConfigDiagnostic } from './diagnostics';

export const BUTANE_VERSIONS = { '1.0.0': '3.3.0', '1.1.0': '3.4.0' } as const;
export type ButaneVersion = keyof typeof BUTANE_VERSIONS;

export interface ButaneResult {
  /** The Ignition config, or null when there are errors. */
  ignition: Record<string, unknown> | null;
  /** `ignition` as Ironpane stores and sends it: two-space JSON with a final newline. */
  ignitionText: string | null;
  ignitionVersion: string | null;
  diagnostics: ConfigDiagnostic[];
}

export type ButaneSpec = Spec;
type Spec =
  | 'string'
  | 'int'
  | 'bool'
  | 'mode'
  | { list: Spec }
  | { fields: Record<string, Spec>; kind?: 'resource' | 'unit' | 'dropin' | 'user' | 'filesystem' | 'luks' | 'tree' };

const str = 'string' as const;
const int = 'int' as const;
const bool = 'bool' as const;
const strings = { list: str };
const owner = { fields: { id: int, name: str } };
const resource: Spec = {
  kind: 'resource',
  fields: {
    source: str,
    inline: str,
    local: str,
    compression: str,
    http_headers: { list: { fields: { name: str, value: str } } },
    verification: { fields: { hash: str } },
  },
};
const node = { path: str, overwrite: bool, user: owner, group: owner };

/** Butane's field table (flatcar variant): also the source of the editor's completion and hover (butane-schema.ts). */
export const BUTANE: Spec = {
  fields: {
    variant: str,
    version: str,
    ignition: {
      fields: {
        config: { fields: { merge: { list: resource }, replace: resource } },
        timeouts: { fields: { http_response_headers: int, http_total: int } },
        security: { fields: { tls: { fields: { certificate_authorities: { list: resource } } } } },
        proxy: { fields: { http_proxy: str, https_proxy: str, no_proxy: strings } },
      },
    },
    storage: {
      fields: {
        disks: {
          list: {
            fields: {
              device: str,
              wipe_table: bool,
              partitions: {
                list: {
                  fields: {
                    label: str,
                    number: int,
                    size_mib: int,
                    start_mib: int,
                    type_guid: str,
                    guid: str,
                    wipe_partition_entry: bool,
                    should_exist: bool,
                    resize: bool,
                  },
                },
              },
            },
          },
        },
        raid: { list: { fields: { name: str, level: str, devices: strings, spares: int, options: strings } } },
        filesystems: {
          list: {
            kind: 'filesystem',
            fields: {
              device: str,
              format: str,
              wipe_filesystem: bool,
              label: str,
              uuid: str,
              options: strings,
              path: str,
              mount_options: strings,
              with_mount_unit: bool,
            },
          },
        },
        files: { list: { fields: { ...node, contents: resource, append: { list: resource }, mode: 'mode' } } },
        directories: { list: { fields: { ...node, mode: 'mode' } } },
        links: { list: { fields: { ...node, target: str, hard: bool } } },
        luks: {
          list: {
            kind: 'luks',
            fields: {
              name: str,
              device: str,
              key_file: resource,
              label: str,
              uuid: str,
              options: strings,
              wipe_volume: bool,
              discard: bool,
              open_options: strings,
              clevis: { fields: {} },
            },
          },
        },
        trees: { list: { kind: 'tree', fields: { local: str, path: str } } },
      },
    },
    systemd: {
      fields: {
        units: {
          list: {
            kind: 'unit',
            fields: {
              name: str,
              enabled: bool,
              mask: bool,
              contents: str,
              contents_local: str,
              dropins: { list: { kind: 'dropin', fields: { name: str, contents: str, contents_local: str } } },
            },
          },
        },
      },
    },
    passwd: {
      fields: {
        users: {
          list: {
            kind: 'user',
            fields: {
              name: str,
              password_hash: str,
              ssh_authorized_keys: strings,
              ssh_authorized_keys_local: strings,
              uid: int,
              gecos: str,
              home_dir: str,
              no_create_home: bool,
              primary_group: str,
              groups: strings,
              no_user_group: bool,
              no_log_init: bool,
              shell: str,
              system: bool,
              should_exist: bool,
            },
          },
        },
        groups: { list: { fields: { name: str, gid: int, password_hash: str, system: bool, should_exist: bool } } },
      },
    },
    kernel_arguments: { fields: { should_exist: strings, should_not_exist: strings } },
  },
};

/** Keys whose Ignition name is not the plain camelCase of the Butane one. */
const RENAMED: Record<string, string> = { size_mib: 'sizeMiB', start_mib: 'startMiB' };
const NO_FILES_DIR = 'local file paths are relative to a files directory, which Ironpane does not have: put the contents inline';

const camel = (key: string) => RENAMED[key] ?? key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

class Context {
  readonly diagnostics: ConfigDiagnostic[] = [];
  readonly mountUnits: Record<string, unknown>[] = [];
  constructor(private readonly lines: LineCounter) {}

  report(severity: ConfigDiagnostic['severity'], message: string, path: readonly (string | number)[], at: YamlNode | Pair | null | undefined): void {
    const range = rangeOf(at);
    const { line, col } = this.lines.linePos(range[0]);
    this.diagnostics.push({ severity, message, path: path.join('.'), from: range[0], to: range[1], line, column: col });
  }
}

function rangeOf(at: YamlNode | Pair | null | undefined): [number, number] {
  if (!at) return [0, 0];
  if ('range' in at && at.range) return [at.range[0], at.range[1]];
  const pair = at as Pair;
  const key = pair.key as YamlNode | null;
  const value = pair.value as YamlNode | null;
  const start = key?.range?.[0] ?? value?.range?.[0] ?? 0;
  return [start, value?.range?.[1] ?? key?.range?.[1] ?? start];
}

export function translateButane(text: string): ButaneResult {
  const lines = new LineCounter();
  // YAML 1.1 reads `0644` as octal, as Butane (go-yaml) does; 1.2 would read it as 644.
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1', uniqueKeys: true, prettyErrors: false });
  const ctx = new Context(lines);
  const fail = (): ButaneResult => ({ ignition: null, ignitionText: null, ignitionVersion: null, diagnostics: ctx.diagnostics });
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    ctx.diagnostics.push({ severity: 'error', message: error.message.split('\n')[0]!, path: '', from: error.pos[0], to: error.pos[1], line, column: col });
  }
  for (const warning of doc.warnings) {
    const { line, col } = lines.linePos(warning.pos[0]);
    ctx.diagnostics.push({
      severity: 'warning',
      message: warning.message.split('\n')[0]!,
      path: '',
      from: warning.pos[0],
      to: warning.pos[1],
      line,
      column: col,
    });
  }
  if (doc.errors.length > 0) return fail();
  const root = doc.contents;
  if (!isMap(root)) {
    ctx.report('error', 'A Butane config is a YAML mapping that starts with `variant: flatcar` and `version: 1.1.0`.', [], root);
    return fail();
  }
  const variant = scalarValue(root.get('variant', true));
  const version = scalarValue(root.get('version', true));
  if (variant !== 'flatcar') {
    ctx.report(
      'error',
      variant === undefined
        ? 'missing `variant`; Ironpane translates `variant: flatcar`'
        : `variant ${JSON.stringify(variant)} is not supported; Ironpane translates \`variant: flatcar\``,
      ['variant'],
      pairOf(root, 'variant') ?? root,
    );
  }
  if (typeof version !== 'string' || !(version in BUTANE_VERSIONS)) {
    ctx.report(
      'error',
      `version must be one of ${Object.keys(BUTANE_VERSIONS).join(', ')} for the flatcar variant`,
      ['version'],
      pairOf(root, 'version') ?? root,
    );
  }
  const converted = convert(root, BUTANE, [], ctx) as Record<string, unknown> | undefined;
  if (ctx.diagnostics.some((d) => d.severity === 'error')) return fail();
  const ignitionVersion = BUTANE_VERSIONS[version as ButaneVersion];
  const { variant: _variant, version: _version, ...rest } = converted ?? {};
  void _variant;
  void _version;
  const out: Record<string, unknown> = { ignition: { version: ignitionVersion, ...(rest.ignition as object | undefined) } };
  for (const key of ['kernelArguments', 'passwd', 'storage', 'systemd']) if (rest[key] !== undefined) out[key] = rest[key];
  if (ctx.mountUnits.length > 0) {
    // Generated units come first; a unit of the same name written by hand replaces the generated one.
    const systemd = (out.systemd ?? {}) as { units?: Record<string, unknown>[] };
    const own = systemd.units ?? [];
    const merged = ctx.mountUnits.map((unit) => own.find((u) => u.name === unit.name) ?? unit);
    for (const unit of own) if (!merged.includes(unit)) merged.push(unit);
    out.systemd = { ...systemd, units: merged };
  }
  return { ignition: out, ignitionText: `${JSON.stringify(out, null, 2)}\n`, ignitionVersion, diagnostics: ctx.diagnostics };
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? (node as Scalar).value : undefined;
}

function pairOf(map: YamlNode, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function describeType(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : typeof node.value === 'string' ? 'text' : typeof node.value;
  return 'empty';
}

/** One Butane value into its Ignition form, reporting what is wrong where it is. */
function convert(node: unknown, spec: Spec, path: (string | number)[], ctx: Context): unknown {
  const at = node as YamlNode;
  if (isScalar(node) && node.value === null) return undefined;
  if (spec === 'string' || spec === 'int' || spec === 'bool' || spec === 'mode') {
    if (!isScalar(node))
      return void ctx.report(
        'error',
        `${path.at(-1)} must be ${spec === 'string' ? 'text' : spec === 'bool' ? 'true or false' : 'a number'}, not ${describeType(node)}`,
        path,
        at,
      );
    const value = node.value;
    if (spec === 'string') {
      if (typeof value === 'string') return value;
      // go-yaml would refuse a number or boolean where text belongs; quoting it fixes that.
      return void ctx.report('error', `${path.at(-1)} must be text; put it in quotes`, path, at);
    }
    if (spec === 'bool') {
      if (typeof value === 'boolean') return value;
      return void ctx.report('error', `${path.at(-1)} must be true or false`, path, at);
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) return void ctx.report('error', `${path.at(-1)} must be a whole number`, path, at);
    if (spec === 'mode') checkMode(node, path, ctx);
    return value;
  }
  if ('list' in spec) {
    if (!isSeq(node)) return void ctx.report('error', `${path.at(-1)} must be a list, not ${describeType(node)}`, path, at);
    const items = node.items.map((item, i) => convert(item, spec.list, [...path, i], ctx)).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (!isMap(node))
    return void ctx.report('error', `${path.length ? path.at(-1) : 'the config'} must be a mapping of keys, not ${describeType(node)}`, path, at);
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : null;
    if (key === null) {
      ctx.report('error', 'keys must be plain text', path, pair as Pair);
      continue;
    }
    const fieldSpec = spec.fields[key];
    if (!fieldSpec) {
      ctx.report('warning', `Unused key ${key}`, [...path, key], pair.key as YamlNode);
      continue;
    }
    const value = convert(pair.value, fieldSpec, [...path, key], ctx);
    if (value !== undefined) out[key] = value;
  }
  return finish(out, node, spec, path, ctx);
}

/** The kind-specific rules and sugar, then snake_case → camelCase. Empty objects vanish, as in Butane's output. */
function finish(raw: Record<string, unknown>, node: YamlNode, spec: Exclude<Spec, string | { list: Spec }>, path: (string | number)[], ctx: Context): unknown {
  const at = (key: string) => pairOf(node, key) ?? node;
  switch (spec.kind) {
    case 'resource': {
      const sources = ['inline', 'local', 'source'].filter((k) => raw[k] !== undefined);
      if (sources.length > 1) ctx.report('error', 'only one of the following can be set: inline, local, source', path, node);
      if (raw.local !== undefined) ctx.report('error', NO_FILES_DIR, [...path, 'local'], at('local'));
      if (typeof raw.inline === 'string' && sources.length === 1) {
        if (raw.compression !== undefined && raw.compression !== '') {
          ctx.report('error', 'inline contents are not compressed: remove compression, or give a source', [...path, 'compression'], at('compression'));
        }
        raw.source = makeDataUrl(raw.inline);
        raw.compression = '';
      }
      delete raw.inline;
      delete raw.local;
      break;
    }
    case 'unit':
    case 'dropin':
      if (raw.contents !== undefined && raw.contents_local !== undefined)
        ctx.report('error', 'only one of the following can be set: contents, contents_local', path, node);
      if (raw.contents_local !== undefined) ctx.report('error', NO_FILES_DIR, [...path, 'contents_local'], at('contents_local'));
      delete raw.contents_local;
      break;
    case 'user':
      if (raw.ssh_authorized_keys_local !== undefined)
        ctx.report('error', NO_FILES_DIR, [...path, 'ssh_authorized_keys_local'], at('ssh_authorized_keys_local'));
      delete raw.ssh_authorized_keys_local;
      break;
    case 'tree':
      ctx.report('error', `storage.trees copies a local directory: ${NO_FILES_DIR}`, path, node);
      return undefined;
    case 'luks':
      if (pairOf(node, 'clevis')) ctx.report('error', 'clevis is not supported on the flatcar variant', [...path, 'clevis'], at('clevis'));
      delete raw.clevis;
      break;
    case 'filesystem':
      if (raw.with_mount_unit === true) {
        if (typeof raw.format !== 'string')
          ctx.report('error', 'format is required if with_mount_unit is true', [...path, 'with_mount_unit'], at('with_mount_unit'));
        else if (raw.format !== 'swap' && typeof raw.path !== 'string')
          ctx.report('error', 'path is required if with_mount_unit is true and format is not swap', [...path, 'with_mount_unit'], at('with_mount_unit'));
        else if (typeof raw.device === 'string') ctx.mountUnits.push(mountUnit(raw as unknown as MountSource));
      }
      delete raw.with_mount_unit;
      break;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) out[camel(key)] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Butane warns when a mode is only reasonable as octal ("644" meant 0644): base/util `CheckForDecimalMode`. */
function checkMode(node: Scalar, path: (string | number)[], ctx: Context): void {
  const mode = node.value as number;
  const source = node.source ?? String(mode);
  const decimalLooksOctal = /^[0-7]{3,4}$/.test(source) && !source.startsWith('0');
  if (mode > 0o7777 || decimalLooksOctal) {
    ctx.report('warning', 'unreasonable mode would be reasonable if specified in octal; remember to add a leading zero', path, node);
  }
}

interface MountSource {
  device: string;
  format: string;
  path?: string;
  mount_options?: string[];
}

/** The unit Butane's `mountUnitTemplate` renders (base/v0_4/translate.go), for a local filesystem or swap. */
function mountUnit(fs: MountSource): Record<string, unknown> {
  const options = fs.mount_options?.length ? `\nOptions=${fs.mount_options.join(',')}` : '';
  const device = systemdPathEscape(fs.device);
  if (fs.format === 'swap') {
    return {
      contents: `# Generated by Butane\n[Swap]\nWhat=${fs.device}${options}\n\n[Install]\nRequiredBy=swap.target`,
      enabled: true,
      name: `${device}.swap`,
    };
  }
  const contents = [
    '# Generated by Butane',
    '[Unit]',
    'Before=local-fs.target',
    `Requires=systemd-fsck@${device}.service`,
    `After=systemd-fsck@${device}.service`,
    '',
    '[Mount]',
    `Where=${fs.path}`,
    `What=${fs.device}`,
    `Type=${fs.format}${options}`,
    '',
    '[Install]',
    'RequiredBy=local-fs.target',
  ].join('\n');
  return { contents, enabled: true, name: `${systemdPathEscape(fs.path!)}.mount` };
}

/** `systemd-escape --path` (go-systemd unit.UnitNamePathEscape): "/var/lib/data" → "var-lib-data". */
export function systemdPathEscape(path: string): string {
  const trimmed = path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
  if (trimmed === '') return '-';
  let out = '';
  for (const [i, char] of [...trimmed].entries()) {
    if (char === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(char) || (char === '.' && i > 0)) out += char;
    else for (const byte of utf8Bytes(char)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}
