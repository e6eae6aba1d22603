/**
 * The one contract: every method and event with its runtime schemas. The router, the preload's
 * allow-list, the renderer client and the test fakes all derive from this table.
 */
import { z } from 'zod';
import { APP_SCREENS, type AppCommand } from '../app-commands';
import { UPDATE_CHANNELS, UPDATE_STATUSES, type UpdateState } from '../app-updates';
import {
  AuthPromptSchema,
  CONSOLE_MODES,
  ConsoleSessionInfoSchema,
  HostKeyPromptSchema,
  TopologyGraphSchema,
  ConnectionSchema,
  ConsoleSettingsSchema,
  AuditEntrySchema,
  ConfigAssignmentSchema,
  ConfigDiagnosticSchema,
  ConfigKindSchema,
  ConfigProfileSchema,
  ConfigRevisionSchema,
  ConfigRevisionSummarySchema,
  FleetNodeSchema,
  FleetPatchSchema,
  NodeDriftSchema,
  NodeEventSchema,
  PowerActionSchema,
  BOOT_TARGETS,
  NodeUpdateSchema,
  RolloutPolicySchema,
  UpdateGroupDetailSchema,
  UpdateGroupSchema,
  UpdateHistoryEntrySchema,
  UpdateInstanceRowSchema,
  UpdatePackageSchema,
  UpdateServerSchema,
  UpdatesPatchSchema,
  OperationDetailSchema,
  OperationSummarySchema,
  OperatingSystemOptionSchema,
  CAPABILITIES,
} from '../model';
import { INSTANCE_STATUS_NAMES } from '../updates/nebraska-rules';
import { AppErrorDataSchema } from '../errors';
import { baseUrlProblem } from '../endpoint';
import { MAX_CONFIG_BYTES } from '../config/kinds';
import { ACCOUNT_LIMITS } from '../forms';
import { MAX_CONSOLE_WRITE_BYTES, utf8ByteLength } from '../limits';
import type { EventName, MethodName } from './names';
import { PackedNodesSchema, packFleetPatch, unpackFleetPatch, type PackedFleetPatch } from '../fleet-wire';

export * from './names';

const Empty = z.object({}).strict();
/** A node another console holds (operations/node-leases.ts): who, from where, doing what, since when. */
const NodeLeaseSchema = z.object({
  nodeId: z.string(),
  actor: z.string(),
  console: z.string(),
  what: z.string(),
  since: z.string(),
  /** When the lease runs out unless its console renews it (ISO): a console that died frees the node then. */
  expiresAt: z.string(),
});
export type NodeLeaseView = z.infer<typeof NodeLeaseSchema>;
/** Where the store is and whether it answers (README: Running Ironpane for a team). */
const StoreStatusSchema = z.object({ shared: z.boolean(), reachable: z.boolean(), label: z.string(), since: z.string().nullable() });
export type StoreStatusView = z.infer<typeof StoreStatusSchema>;
/** Which store the next start opens: a team's chosen on the Connections screen (never its password), and whether IRONPANE_STORE overrides it. */
const StoreChoiceSchema = z.object({ chosen: z.string().nullable(), fromEnvironment: z.string().nullable() });
export type StoreChoiceView = z.infer<typeof StoreChoiceSchema>;

export const HostInfoSchema = z.object({
  kind: z.enum(['desktop', 'web']),
  version: z.string(),
  capabilities: z.object({ nativeDialogs: z.boolean(), encryptedSecrets: z.string() }),
  lab: z.object({ nodeCount: z.number(), baseUrl: z.string() }).nullable(),
});
export type HostInfo = z.infer<typeof HostInfoSchema>;

/** Where a credential may be sent (shared/endpoint.ts): https, or http to loopback only. */
const BaseUrl = z
  .string()
  .trim()
  .max(2048)
  .superRefine((url, ctx) => {
    const problem = baseUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const BulkPolicySchema = z
  .object({
    maxParallel: z.number().int().min(1, 'Max parallel must be at least 1.').max(100, 'Max parallel can be at most 100.'),
    canary: z.boolean(),
    stopAfterFailures: z.number().int().min(0, 'Stop after failures cannot be negative.').max(10_000),
  })
  .strict();

const RunbookEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  os: z.array(z.string()).nullable(),
  builtin: z.boolean(),
  profileId: z.string().nullable(),
  revision: z.number().nullable(),
  text: z.string(),
  problem: z.string().nullable(),
  steps: z.array(z.string()),
});
const ConsoleCredentialSchema = z.object({ name: z.string(), username: z.string() });

const ReprovisionInputSchema = z
  .object({
    nodeId: z.string().min(1),
    operatingSystem: z.string().min(1, 'Pick an operating system.').max(100),
    revisionId: z.string().min(1).nullable(),
    preserveData: z.boolean(),
  })
  .strict();

export const AddUpdateServerInputSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the update server a name.').max(ACCOUNT_LIMITS.name),
    baseUrl: BaseUrl,
    app: z.string().trim().min(1, 'Enter the application id or product id (Flatcar: io.kinvolk.Flatcar).').max(200),
    token: z.string().trim().max(ACCOUNT_LIMITS.token),
  })
  .strict();
export type AddUpdateServerInput = z.infer<typeof AddUpdateServerInputSchema>;

const ConnectionName = z.string().trim().min(1, 'Give the connection a name.').max(ACCOUNT_LIMITS.name);

/**
 * A new connection: its kind and its settings as the form sends them. Each kind checks its own
 * settings in main (providers/<kind>/index.ts, the same rules the form shows); secrets go to the vault only.
 */
export const AddConnectionInputSchema = z
  .object({
    kind: z.string().trim().min(1, 'Choose a kind of connection.').max(40),
    name: ConnectionName,
    settings: z.record(z.string().max(64), z.string().max(8192)).refine((s) => Object.keys(s).length <= 32, 'A connection has at most 32 settings.'),
  })
  .strict();
export type AddConnectionInput = z.infer<typeof AddConnectionInputSchema>;

const ConnectionFieldSchema = z.object({
  key: z.string(),
  label: z.string(),
  type: z.enum(['text', 'password', 'url', 'number', 'select', 'path']),
  placeholder: z.string().optional(),
  hint: z.string().optional(),
  initial: z.string().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  secret: z.boolean().optional(),
  required: z.string().optional(),
  maxLength: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  rangeMessage: z.string().optional(),
  pattern: z.string().optional(),
  patternMessage: z.string().optional(),
  carries: z.string().optional(),
  hidden: z.boolean().optional(),
  mono: z.boolean().optional(),
});
export const ConnectionKindInfoSchema = z.object({
  kind: z.string(),
  label: z.string(),
  title: z.string(),
  intro: z.string(),
  addable: z.boolean(),
  fields: z.array(ConnectionFieldSchema),
  capabilities: z.array(z.enum(CAPABILITIES)),
  whyNot: z.partialRecord(z.enum(CAPABILITIES), z.string()),
});

export const FleetSnapshotSchema = z.object({ version: z.number(), nodes: z.array(FleetNodeSchema) });
export type FleetSnapshot = z.infer<typeof FleetSnapshotSchema>;
/** The snapshot as a window gets it: the nodes packed (shared/fleet-wire.ts). */
export const PackedFleetSnapshotSchema = z.object({ version: z.number(), nodes: PackedNodesSchema });
export type PackedFleetSnapshot = z.infer<typeof PackedFleetSnapshotSchema>;

const CONSOLE_WRITE_TOO_BIG = `Console input is sent at most ${MAX_CONSOLE_WRITE_BYTES / 1024} KiB at a time; split longer text.`;
const SchemaKindSchema = z.enum(['ignition', 'talos', 'cloud-config']);
/** Kinds the editor completes and explains: the fetched schemas, and Butane from its translator's field table. */
const HintKindSchema = z.enum(['ignition', 'talos', 'cloud-config', 'butane']);
const TalosVersion = z
  .string()
  .trim()
  .regex(/^\d+\.\d+\.\d+$/, 'Write a Talos release as x.y.z, for example 1.13.9.');
const SchemaStatusSchema = z.object({ kind: SchemaKindSchema, source: z.string(), fetchedAt: z.string().nullable(), problem: z.string().nullable() });

// Characters here; the service also checks the UTF-8 size (MAX_CONFIG_BYTES) and says how big it is.
const ConfigContent = z.string().max(MAX_CONFIG_BYTES, `A node config can be at most ${MAX_CONFIG_BYTES / 1024} KiB.`);
const ProfileName = z.string().trim().min(1, 'Give the config a name.').max(80);
const SessionRef = z.object({ sessionId: z.string().min(1) }).strict();
const Done = z.object({ done: z.literal(true) });

/** shared/app-commands.ts: a menu item or an `ironpane://` link (navigation only, never an action). */
export const AppCommandSchema: z.ZodType<AppCommand> = z.discriminatedUnion('command', [
  z.object({ command: z.literal('navigate'), screen: z.enum(APP_SCREENS) }),
  z.object({ command: z.literal('openNode'), nodeId: z.string().min(1).max(300) }),
  z.object({ command: z.literal('focusSearch') }),
  z.object({ command: z.literal('find') }),
  z.object({ command: z.literal('copy') }),
]);
export type { AppCommand } from '../app-commands';

export const AppUpdateStateSchema: z.ZodType<UpdateState> = z.object({
  status: z.enum(UPDATE_STATUSES),
  channel: z.enum(UPDATE_CHANNELS),
  currentVersion: z.string(),
  version: z.string().nullable(),
  progress: z.number().min(0).max(1).nullable(),
  error: z.string().nullable(),
  restartBlockedReason: z.string().nullable(),
  checkedAt: z.string().nullable(),
});

interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
}

export const methods = {
  'app.describeHost': { input: Empty, output: HostInfoSchema },
  'app.updateState': { input: Empty, output: AppUpdateStateSchema },
  'app.checkForUpdates': { input: Empty, output: AppUpdateStateSchema },
  'app.setUpdateChannel': { input: z.object({ channel: z.enum(UPDATE_CHANNELS) }).strict(), output: AppUpdateStateSchema },
  'app.installUpdate': { input: Empty, output: AppUpdateStateSchema },
  'connections.list': { input: Empty, output: z.array(ConnectionSchema) },
  'connections.kinds': { input: Empty, output: z.array(ConnectionKindInfoSchema) },
  'connections.add': { input: AddConnectionInputSchema, output: ConnectionSchema },
  'connections.remove': { input: z.object({ accountId: z.string() }).strict(), output: z.object({ removed: z.boolean() }) },
  'connections.setCredentials': {
    input: z
      .object({
        accountId: z.string(),
        secrets: z.record(z.string().max(64), z.string().max(8192)).refine((s) => Object.keys(s).length <= 8, 'A connection has at most 8 secrets.'),
      })
      .strict(),
    output: ConnectionSchema,
  },
  'connections.setConsoleSettings': {
    input: z.object({ accountId: z.string(), settings: ConsoleSettingsSchema }).strict(),
    output: ConnectionSchema,
  },
  'fleet.snapshot': { input: Empty, output: PackedFleetSnapshotSchema },
  'fleet.refresh': { input: Empty, output: z.object({ connections: z.number() }) },
  'fleet.nodeEvents': {
    input: z.object({ nodeId: z.string().min(1) }).strict(),
    output: z.array(NodeEventSchema),
  },
  'actions.power': {
    input: z.object({ nodeId: z.string().min(1), action: PowerActionSchema }).strict(),
    output: z.object({ accepted: z.literal(true), auditId: z.string(), operationId: z.string() }),
  },
  'actions.bootOverride': {
    input: z.object({ nodeId: z.string().min(1), target: z.enum(BOOT_TARGETS), mode: z.enum(['Once', 'Continuous', 'Disabled']) }).strict(),
    output: z.object({ accepted: z.literal(true), auditId: z.string(), operationId: z.string() }),
  },
  'actions.lifecycle': {
    input: z
      .object({
        nodeId: z.string().min(1),
        action: z.string().min(1).max(40),
        reason: z.string().max(255, 'Reason: at most 255 characters (Ironic keeps no more).').optional(),
      })
      .strict(),
    output: z.object({ accepted: z.literal(true), auditId: z.string(), operationId: z.string() }),
  },
  'actions.powerBulk': {
    input: z.object({ nodeIds: z.array(z.string().min(1)).min(1).max(1000), action: PowerActionSchema }).strict(),
    output: z.object({
      results: z.array(z.object({ nodeId: z.string(), hostname: z.string(), ok: z.boolean(), error: AppErrorDataSchema.optional() })),
    }),
  },
  'audit.list': {
    input: z
      .object({
        limit: z.number().int().min(1).max(1000).optional(),
        /** Only this operator's rows. */
        actor: z.string().min(1).max(200).optional(),
      })
      .strict(),
    output: z.array(AuditEntrySchema),
  },
  /** Every operator with an audit row, and who this console acts as (Activity's filter). */
  'audit.actors': {
    input: Empty,
    output: z.object({ actors: z.array(z.string()), you: z.string(), console: z.string() }),
  },
  // Main opens only https links, in the system browser (the renderer never navigates away).
  'app.openExternal': { input: z.object({ url: z.string().url().max(2048) }).strict(), output: z.object({ opened: z.boolean() }) },
  'topology.graph': { input: Empty, output: TopologyGraphSchema },
  'console.list': { input: Empty, output: z.array(ConsoleSessionInfoSchema) },
  'console.open': {
    input: z.object({ nodeId: z.string().min(1), mode: z.enum(CONSOLE_MODES).optional() }).strict(),
    output: ConsoleSessionInfoSchema,
  },
  'console.attach': {
    input: SessionRef,
    // Recent output to replay (base64): never counted for flow control.
    output: z.object({ info: ConsoleSessionInfoSchema, backlog: z.string() }),
  },
  'console.write': {
    input: z
      .object({
        sessionId: z.string(),
        data: z
          .string()
          .max(MAX_CONSOLE_WRITE_BYTES, CONSOLE_WRITE_TOO_BIG)
          .refine((data) => utf8ByteLength(data) <= MAX_CONSOLE_WRITE_BYTES, CONSOLE_WRITE_TOO_BIG),
      })
      .strict(),
    output: Done,
  },
  'console.ack': { input: z.object({ sessionId: z.string(), bytes: z.number().int().min(0).max(1e9) }).strict(), output: Done },
  'console.sendBreak': { input: SessionRef, output: Done },
  'console.sysrq': {
    input: z.object({ sessionId: z.string(), key: z.string().regex(/^[0-9a-zA-Z]$/, 'SysRq takes one letter or digit.') }).strict(),
    output: Done,
  },
  'console.syncSize': {
    input: z.object({ sessionId: z.string(), rows: z.number().int().min(2).max(1000), cols: z.number().int().min(10).max(1000) }).strict(),
    output: Done,
  },
  'console.disconnect': { input: SessionRef, output: ConsoleSessionInfoSchema },
  'console.reconnect': { input: z.object({ sessionId: z.string(), mode: z.enum(CONSOLE_MODES).optional() }).strict(), output: ConsoleSessionInfoSchema },
  'console.close': { input: SessionRef, output: Done },
  'console.setLogging': { input: z.object({ sessionId: z.string(), enabled: z.boolean() }).strict(), output: ConsoleSessionInfoSchema },
  'console.answerHostKey': { input: z.object({ promptId: z.string(), accept: z.boolean() }).strict(), output: Done },
  'console.answerAuth': { input: z.object({ promptId: z.string(), responses: z.array(z.string().max(1024)).nullable() }).strict(), output: Done },
  'config.profiles': { input: Empty, output: z.array(ConfigProfileSchema) },
  'config.check': {
    input: z.object({ kind: ConfigKindSchema, content: ConfigContent, talosVersion: TalosVersion.optional() }).strict(),
    output: z.object({ diagnostics: z.array(ConfigDiagnosticSchema), rendered: z.string().nullable() }),
  },
  'config.create': {
    input: z.object({ name: ProfileName, kind: ConfigKindSchema, content: ConfigContent, message: z.string().max(500) }).strict(),
    output: ConfigProfileSchema,
  },
  'config.save': {
    input: z.object({ profileId: z.string().min(1), content: ConfigContent, message: z.string().max(500) }).strict(),
    output: ConfigRevisionSummarySchema,
  },
  'config.rename': { input: z.object({ profileId: z.string().min(1), name: ProfileName }).strict(), output: ConfigProfileSchema },
  'config.history': { input: z.object({ profileId: z.string().min(1) }).strict(), output: z.array(ConfigRevisionSummarySchema) },
  'config.revision': { input: z.object({ revisionId: z.string().min(1) }).strict(), output: ConfigRevisionSchema },
  'config.restore': { input: z.object({ revisionId: z.string().min(1) }).strict(), output: ConfigRevisionSummarySchema },
  'config.assignments': { input: Empty, output: z.array(ConfigAssignmentSchema) },
  'config.assign': {
    input: z
      .object({ profileId: z.string().min(1), nodeIds: z.array(z.string().min(1)).max(10_000).optional(), tag: z.string().trim().min(1).max(100).optional() })
      .strict()
      .refine((i) => i.tag !== undefined || (i.nodeIds?.length ?? 0) > 0, 'Say which nodes: a tag, or one or more nodes.'),
    output: z.array(ConfigAssignmentSchema),
  },
  'config.unassign': { input: z.object({ targetKind: z.enum(['node', 'tag']), target: z.string().min(1) }).strict(), output: z.array(ConfigAssignmentSchema) },
  'config.drift': { input: Empty, output: z.array(NodeDriftSchema) },
  // The latest revision as one node receives it: its variables filled in, Butane compiled.
  'config.preview': {
    input: z.object({ profileId: z.string().min(1), nodeId: z.string().min(1) }).strict(),
    output: z.object({ rendered: z.string(), revision: z.number() }),
  },
  'config.complete': {
    input: z.object({ kind: HintKindSchema, content: ConfigContent, offset: z.number().int().min(0), talosVersion: TalosVersion.optional() }).strict(),
    output: z.array(z.object({ label: z.string(), detail: z.string(), info: z.string() })),
  },
  'config.hover': {
    input: z.object({ kind: HintKindSchema, content: ConfigContent, offset: z.number().int().min(0), talosVersion: TalosVersion.optional() }).strict(),
    output: z.object({ from: z.number(), to: z.number(), key: z.string(), text: z.string() }).nullable(),
  },
  'config.setTalosVersion': { input: z.object({ profileId: z.string().min(1), version: TalosVersion.nullable() }).strict(), output: ConfigProfileSchema },
  'config.schemas': { input: Empty, output: z.array(SchemaStatusSchema) },
  'config.setSchemaSource': {
    input: z.object({ kind: SchemaKindSchema, source: z.string().trim().max(2048) }).strict(),
    output: z.array(SchemaStatusSchema),
  },
  'config.refreshSchema': { input: z.object({ kind: SchemaKindSchema }).strict(), output: z.array(SchemaStatusSchema) },
  'config.apply': {
    input: z.object({ profileId: z.string().min(1), nodeIds: z.array(z.string().min(1)).min(1).max(1000) }).strict(),
    output: z.object({
      revision: z.number(),
      takesEffect: z.string(),
      results: z.array(z.object({ nodeId: z.string(), hostname: z.string(), ok: z.boolean(), error: AppErrorDataSchema.optional() })),
    }),
  },
  // One click from "drifted" to what differs: the applied user data against what the assigned revision renders.
  'config.appliedDiff': {
    input: z.object({ nodeId: z.string().min(1) }).strict(),
    output: z.object({ applied: z.string(), assigned: z.string(), appliedLabel: z.string(), assignedLabel: z.string() }),
  },
  'updates.servers': { input: Empty, output: z.array(UpdateServerSchema) },
  'updates.addServer': { input: AddUpdateServerInputSchema, output: UpdateServerSchema },
  'updates.removeServer': { input: z.object({ serverId: z.string().min(1) }).strict(), output: z.object({ removed: z.boolean() }) },
  'updates.nodes': { input: Empty, output: z.array(NodeUpdateSchema) },
  'updates.nodeHistory': { input: z.object({ nodeId: z.string().min(1) }).strict(), output: z.array(UpdateHistoryEntrySchema) },
  'updates.groups': { input: Empty, output: z.array(UpdateGroupSchema) },
  'updates.groupDetail': {
    input: z.object({ serverId: z.string().min(1), groupId: z.string().min(1), duration: z.enum(['1h', '1d', '7d', '30d']) }).strict(),
    output: UpdateGroupDetailSchema,
  },
  'updates.instances': {
    input: z
      .object({
        serverId: z.string().min(1),
        groupId: z.string().min(1),
        search: z.string().max(200),
        status: z.enum(INSTANCE_STATUS_NAMES).nullable(),
        offset: z.number().int().min(0),
        limit: z.number().int().min(1).max(500),
      })
      .strict(),
    output: z.object({ total: z.number(), rows: z.array(UpdateInstanceRowSchema) }),
  },
  'updates.packages': { input: z.object({ serverId: z.string().min(1) }).strict(), output: z.array(UpdatePackageSchema) },
  'updates.setPolicy': {
    input: z.object({ serverId: z.string().min(1), groupId: z.string().min(1), policy: RolloutPolicySchema }).strict(),
    output: UpdateGroupSchema,
  },
  'updates.setUpdatesEnabled': {
    input: z.object({ serverId: z.string().min(1), groupId: z.string().min(1), enabled: z.boolean() }).strict(),
    output: UpdateGroupSchema,
  },
  // Points the group's channel at a package, newer or older; the renderer warns before a downgrade.
  'updates.promote': {
    input: z.object({ serverId: z.string().min(1), groupId: z.string().min(1), packageId: z.string().min(1) }).strict(),
    output: UpdateGroupSchema,
  },
  'updates.rebootPending': {
    input: z.object({ serverId: z.string().min(1), groupId: z.string().min(1) }).strict(),
    output: z.object({
      batchSize: z.number(),
      remaining: z.number(),
      results: z.array(z.object({ nodeId: z.string(), hostname: z.string(), ok: z.boolean(), error: AppErrorDataSchema.optional() })),
    }),
  },
  'actions.reprovisionOptions': {
    input: z.object({ nodeId: z.string().min(1) }).strict(),
    output: z.object({
      blockedReason: z.string().nullable(),
      currentOs: z.string(),
      operatingSystems: z.array(OperatingSystemOptionSchema),
      profile: z.object({ id: z.string(), name: z.string(), kind: ConfigKindSchema }).nullable(),
      revisions: z.array(z.object({ id: z.string(), number: z.number(), message: z.string(), createdAt: z.string() })),
      /** The latest revision of every other config that is user data, so an OS of another kind (a picked Ubuntu) has one to read. */
      otherConfigs: z.array(z.object({ revisionId: z.string(), number: z.number(), profileName: z.string(), kind: ConfigKindSchema })),
      assignedRevisionId: z.string().nullable(),
      appliedRevision: z.number().nullable(),
    }),
  },
  'actions.reprovisionPreview': {
    input: ReprovisionInputSchema,
    output: z.object({
      hostname: z.string(),
      osFrom: z.string(),
      osTo: z.string(),
      preserveData: z.boolean(),
      config: z.object({ from: z.string(), to: z.string(), fromLabel: z.string(), toLabel: z.string() }).nullable(),
    }),
  },
  // Reinstalls the node as an operation: user data set to the revision, then the provider's reinstall; verified after.
  'actions.reprovision': { input: ReprovisionInputSchema, output: z.object({ operationId: z.string() }) },
  'actions.reprovisionBulk': {
    input: z
      .object({
        nodeIds: z.array(z.string().min(1)).min(1).max(10_000),
        operatingSystem: z.string().min(1).max(100).nullable(),
        config: z.enum(['assigned', 'keep']),
        preserveData: z.boolean(),
        policy: BulkPolicySchema,
      })
      .strict(),
    output: z.object({ operationId: z.string() }),
  },
  // What a rollback of the node would do (config, OS), each with the reason when there is nothing to roll back to.
  'actions.rollbackOptions': {
    input: z.object({ nodeId: z.string().min(1) }).strict(),
    output: z.object({
      hostname: z.string(),
      os: z.union([
        z.object({
          available: z.literal(true),
          runbookId: z.string(),
          from: z.string(),
          to: z.string(),
          steps: z.array(z.string()),
          note: z.string().nullable(),
        }),
        z.object({ available: z.literal(false), reason: z.string() }),
      ]),
      config: z.union([
        z.object({
          available: z.literal(true),
          from: z.string(),
          to: z.string(),
          diff: z.object({ from: z.string(), to: z.string() }),
          steps: z.array(z.string()),
        }),
        z.object({ available: z.literal(false), reason: z.string() }),
      ]),
    }),
  },
  'actions.rollback': {
    input: z.object({ nodeId: z.string().min(1), kind: z.enum(['config', 'os']) }).strict(),
    output: z.object({ operationId: z.string() }),
  },
  // Runbooks: the built-ins and the user's own (config profiles of kind runbook).
  'runbooks.list': { input: z.object({}).strict(), output: z.array(RunbookEntrySchema) },
  'runbooks.run': {
    input: z.object({ runbookId: z.string().min(1).max(200), nodeIds: z.array(z.string().min(1)).min(1).max(10_000), policy: BulkPolicySchema }).strict(),
    output: z.object({ operationId: z.string() }),
  },
  'runbooks.credentials': { input: z.object({}).strict(), output: z.array(ConsoleCredentialSchema) },
  // The password goes to the vault in main and never comes back.
  'runbooks.setCredential': {
    input: z.object({ name: z.string().max(40), username: z.string().max(64), password: z.string().max(1024) }).strict(),
    output: z.array(ConsoleCredentialSchema),
  },
  'runbooks.deleteCredential': { input: z.object({ name: z.string().min(1).max(40) }).strict(), output: z.array(ConsoleCredentialSchema) },
  'operations.retryFailed': { input: z.object({ operationId: z.string().min(1) }).strict(), output: OperationSummarySchema },
  'operations.transcript': {
    input: z.object({ stepId: z.string().min(1) }).strict(),
    output: z.object({ hostname: z.string(), label: z.string(), text: z.string() }),
  },
  'operations.control': {
    input: z.object({ operationId: z.string().min(1), action: z.enum(['pause', 'resume', 'cancel']) }).strict(),
    output: OperationSummarySchema,
  },
  // The operations journal: every action that changed (or is changing) a machine, newest first.
  'operations.list': { input: z.object({ limit: z.number().int().min(1).max(500) }).strict(), output: z.array(OperationSummarySchema) },
  /** Nodes another console on the shared store is acting on now (empty on a desk's own store). */
  'operations.leases': { input: Empty, output: z.array(NodeLeaseSchema) },
  'store.status': { input: Empty, output: StoreStatusSchema },
  'store.choice': { input: Empty, output: StoreChoiceSchema },
  'store.choose': {
    input: z
      .object({
        url: z.string().trim().min(1, 'Address: enter the team’s store, as postgres://user@host:5432/database.').max(2048),
        password: z.string().max(1024),
      })
      .strict(),
    output: StoreChoiceSchema,
  },
  'store.useOwn': { input: Empty, output: StoreChoiceSchema },
  'operations.get': { input: z.object({ operationId: z.string().min(1) }).strict(), output: OperationDetailSchema },
} satisfies { [K in MethodName]: MethodSpec };

export const events = {
  'app.command': AppCommandSchema,
  'app.updateChanged': AppUpdateStateSchema,
  'fleet.changed': FleetPatchSchema,
  'connections.changed': z.array(ConnectionSchema),
  'audit.appended': AuditEntrySchema,
  // Raw bytes: a binary frame on the WebSocket, a Uint8Array over IPC; never JSON-encoded text.
  'console.data': z.object({ sessionId: z.string(), data: z.custom<Uint8Array>((v) => v instanceof Uint8Array) }),
  'console.status': ConsoleSessionInfoSchema,
  'console.hostKeyPrompt': HostKeyPromptSchema,
  'console.authPrompt': AuthPromptSchema,
  'topology.changed': z.object({ version: z.number() }),
  // What became of an accepted power action, once the node settled (or did not in time).
  'config.changed': z.object({ profileId: z.string() }),
  'config.driftChanged': z.object({ managed: z.number() }),
  'updates.changed': UpdatesPatchSchema,
  'updates.groupsChanged': z.object({ serverId: z.string() }),
  'updates.serversChanged': z.array(UpdateServerSchema),
  'operations.changed': OperationSummarySchema,
  'operations.leasesChanged': z.array(NodeLeaseSchema),
  'store.statusChanged': StoreStatusSchema,
  'actions.outcome': z.object({
    nodeId: z.string(),
    hostname: z.string(),
    action: PowerActionSchema,
    outcome: z.enum(['succeeded', 'failed']),
    message: z.string(),
  }),
} satisfies { [K in EventName]: z.ZodType };

// Both directions: a name without a schema, or a schema without a name, fails to compile.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const methodsMatchNames: Exact<keyof typeof methods, MethodName> = true;
const eventsMatchNames: Exact<keyof typeof events, EventName> = true;
void methodsMatchNames;
void eventsMatchNames;

export type MethodInput<K extends MethodName> = z.input<(typeof methods)[K]['input']>;
export type MethodParsedInput<K extends MethodName> = z.output<(typeof methods)[K]['input']>;
export type MethodOutput<K extends MethodName> = z.output<(typeof methods)[K]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/**
 * Events that cross to a window in another form than main's bus carries them: a fleet patch goes
 * packed (shared/fleet-wire.ts; a first sync's pages are 66 MB of nodes at 50,000). Both transports
 * pack with `forWindow`, the renderer's client unpacks with `fromHost`.
 */
export function forWindow(event: string, payload: unknown): unknown {
  return event === 'fleet.changed' ? packFleetPatch(payload as EventPayload<'fleet.changed'>) : payload;
}

export function fromHost(event: string, payload: unknown): unknown {
  return event === 'fleet.changed' ? unpackFleetPatch(payload as PackedFleetPatch) : payload;
}

/** One message shape on the WebSocket transport; IPC uses the same payloads. */
export const RpcRequestSchema = z.object({ id: z.number().int(), method: z.string(), input: z.unknown() });
export type RpcRequest = z.infer<typeof RpcRequestSchema>;
