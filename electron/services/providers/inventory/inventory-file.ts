/**
 * The inventory file: a YAML list of machines for fleets with no API (docs/architecture.md#connections).
 * Each node names its place (so the topology works), its addresses, where its serial console is
 * reachable over SSH (conserver, ser2net behind sshd, an OpenSSH ForceCommand bridge, a BMC's SSH
 * SOL) and optionally its BMC. Errors name the line and the field, as an editor would.
 *
 * ```yaml
 * nodes:
 *   - hostname: db-01
 *     tags: [db]
 *     place: { metro: am, facility: am6, rack: r12 }
 *     addresses: [10.0.0.5]
 *     console: { host: 10.0.0.2, port: 2201, user: db-01, auth: key, keyFile: ~/.ssh/id_ed25519, jump: [ops@bastion], hostKey: "SHA256:…" }
 *     bmc: { type: redfish, url: https://10.0.0.9, credential: bmc-root, fingerprint: "AB:CD:…" }
 * ```
 */
import { LineCounter, isMap, isNode, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';
import { JUMP_HOP_PATTERN, MAX_JUMP_HOSTS, CONSOLE_CREDENTIAL_NAME } from '../../../../shared/forms';

const Name = z.string().trim().min(1).max(253);
const Port = z.number({ error: 'must be a port number' }).int('must be a whole number').min(1, 'must be 1–65535').max(65535, 'must be 1–65535');
const Host = z
  .string()
  .trim()
  .min(1, 'must name a host')
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address');
const PlaceCode = z.string().trim().min(1).max(64);

const ConsoleEntry = z
  .object({
    /** `ssh` (a serial gateway over SSH, the default) or `tcp` (a serial server's port: ser2net, conserver). */
    transport: z.enum(['ssh', 'tcp'], { error: 'must be ssh or tcp' }).default('ssh'),
    host: Host,
    port: Port.default(22),
    user: z.string().trim().min(1, 'must name the login').max(128).optional(),
    auth: z.enum(['key', 'agent', 'password']).default('agent'),
    keyFile: z.string().trim().min(1).max(4096).optional(),
    jump: z.array(z.string().regex(JUMP_HOP_PATTERN, 'write each hop as user@host or user@host:port')).max(MAX_JUMP_HOSTS).default([]),
    hostKey: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH fingerprint, SHA256:… as ssh-keygen -lf prints it')
      .optional(),
  })
  .strict()
  .refine((c) => c.transport !== 'ssh' || c.user, { message: 'must name the login (user:)', path: ['user'] })
  .refine((c) => c.transport !== 'ssh' || c.auth !== 'key' || c.keyFile, { message: 'auth: key needs keyFile: the path of the private key', path: ['keyFile'] })
  .refine((c) => c.transport !== 'tcp' || c.jump.length === 0, { message: 'a tcp console is reached directly: jump hosts are for ssh', path: ['jump'] });

const RedfishBmc = z
  .object({
    type: z.literal('redfish'),
    url: z
      .string()
      .trim()
      .regex(/^https?:\/\/[^\s/]+/, 'must be the BMC address, https://host[:port]'),
    /** The system to control when the BMC has several (its `@odata.id`); default: the first. */
    system: z.string().trim().startsWith('/redfish/v1/Systems/', 'must be a path like /redfish/v1/Systems/1').optional(),
    credential: z.string().regex(CONSOLE_CREDENTIAL_NAME, 'must be the name of a console credential (Connections → Console credentials)'),
    fingerprint: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, "must be the certificate's SHA-256 fingerprint, AB:CD:… (32 pairs)")
      .optional(),
  })
  .strict();

const IpmiBmc = z
  .object({
    type: z.literal('ipmi'),
    host: Host,
    port: Port.default(623),
    credential: z.string().regex(CONSOLE_CREDENTIAL_NAME, 'must be the name of a console credential (Connections → Console credentials)'),
    cipherSuite: z.number().int().min(0).max(17).default(3),
  })
  .strict();

export const InventoryNodeSchema = z
  .object({
    hostname: Name,
    description: z.string().max(1000).default(''),
    tags: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    place: z.object({ metro: PlaceCode.optional(), facility: PlaceCode.optional(), rack: PlaceCode.optional() }).strict().default({}),
    addresses: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[0-9A-Fa-f.:]+$/, 'must be an IP address'),
      )
      .max(64)
      .default([]),
    /** No routed address: reachable only over its console or from its VLAN (shown as "L2 only"). */
    layer2Only: z.boolean().default(false),
    os: z.string().trim().max(100).optional(),
    console: ConsoleEntry.optional(),
    bmc: z.discriminatedUnion('type', [RedfishBmc, IpmiBmc], { error: 'type must be redfish or ipmi' }).optional(),
  })
  .strict();
export type InventoryNode = z.infer<typeof InventoryNodeSchema>;

export const InventorySchema = z.object({ nodes: z.array(InventoryNodeSchema).max(20_000) }).strict();

export interface InventoryProblem {
  line: number;
  /** `nodes[2].console.port` */
  field: string;
  message: string;
}

export type InventoryParse = { ok: true; nodes: InventoryNode[] } | { ok: false; problems: InventoryProblem[] };

/** A key as written when it looks like a field name; anything else (another file's text) is not quoted. */
const safeKey = (part: PropertyKey) => (/^[A-Za-z_][\w-]{0,39}$/.test(String(part)) ? String(part) : '(not a field name)');
const fieldName = (path: readonly PropertyKey[]) =>
  path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${safeKey(part)}` : safeKey(part)), '');

/** Parses and checks an inventory file; problems carry 1-based line numbers. */
export function parseInventory(text: string): InventoryParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    // Named by the parser's error code and place, never by its message: that quotes the file's text.
    return {
      ok: false,
      problems: doc.errors.slice(0, 10).map((e) => ({
        line: lineOf(e.pos[0]),
        field: '',
        message: `not valid YAML (${e.code.toLowerCase().replaceAll('_', ' ')}, column ${e.linePos?.[0]?.col ?? 1})`,
      })),
    };
  }
  // Anything without a top-level `nodes` list is not an inventory, and is only called that: listing
  // its keys or values would show another file's contents (an inventory path of /etc/shadow did).
  const top = doc.contents;
  if (!isMap(top) || !isSeq(top.get('nodes', true))) {
    return { ok: false, problems: [{ line: 1, field: '', message: 'this is not an inventory file: it has no top-level nodes list' }] };
  }
  const lineAt = (path: readonly PropertyKey[]): number => {
    // The deepest part of the path that exists in the document says where to look.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
      if (isNode(node) && node.range) return lineOf(node.range[0]);
    }
    return 1;
  };
  const parsed = InventorySchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 20).map((issue) => {
        // An unknown key is reported on its parent: point at the key itself.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
        // A key is shown only when it looks like a field name; anything else stays out of the message.
        const message = issue.code === 'unrecognized_keys' ? `unknown field ${keys.map(safeKey).join(', ')}` : issue.message;
        return { line: lineAt(path), field: fieldName(path), message };
      }),
    };
  }
  const problems: InventoryProblem[] = [];
  const seen = new Map<string, number>();
  parsed.data.nodes.forEach((node, index) => {
    const key = node.hostname.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined)
      problems.push({
        line: lineAt(['nodes', index, 'hostname']),
        field: `nodes[${index}].hostname`,
        message: `${node.hostname} is listed twice (first at nodes[${first}])`,
      });
    else seen.set(key, index);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, nodes: parsed.data.nodes };
}

export function describeProblems(file: string, problems: InventoryProblem[]): string {
  const shown = problems.slice(0, 3).map((p) => `line ${p.line}${p.field ? `, ${p.field}` : ''}: ${p.message}`);
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return `${file}: ${shown.join('; ')}${more}.`;
}
