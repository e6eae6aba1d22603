/**
 * Ironpane's domain model. Providers normalise their wire formats into these shapes in main; the
 * renderer only ever sees these. Schemas double as the runtime validation at the IPC boundary.
 */
import { z } from 'zod';
import { CONFIG_KINDS } from './config/kinds';
import { JUMP_HOP_PATTERN, MAX_JUMP_HOSTS, MAX_KEEPALIVE_SECONDS } from './forms';
import { AppErrorDataSchema } from './errors';
import { NODE_STATES, POWER_ACTIONS } from './node-rules';
import { INSTANCE_STATUS_NAMES, UPDATE_ENGINE_STATUSES } from './updates/nebraska-rules';
import { BOOT_TARGETS, CAPABILITIES } from './capabilities';

export * from './node-rules';
export * from './capabilities';

export const NodeStateSchema = z.enum(NODE_STATES);

export const OS_FAMILIES = ['flatcar', 'talos', 'ubuntu', 'nixos', 'freebsd', 'other'] as const;
export const OsFamilySchema = z.enum(OS_FAMILIES);
export type OsFamily = z.infer<typeof OsFamilySchema>;

export const PowerActionSchema = z.enum(POWER_ACTIONS);

export const PlaceSchema = z.object({ code: z.string(), name: z.string() });

/**
 * What the node itself reports about its OS (docs/architecture.md#os-updates): the slots it can boot
 * and update_engine's state. Flatcar: USR-A/USR-B with GPT priority/tries/successful; Talos: the
 * current and previous image; NixOS: generations. An agent on the node writes it into the device's
 * Metal `customdata` under `ironpane.io/os`, as FLUO's update-agent annotates its Kubernetes Node.
 */
export const OsSlotSchema = z.object({
  /** `USR-A`, `USR-B`; `current`, `previous`; `generation 42`. */
  label: z.string().max(64),
  version: z.string().max(64).nullable(),
  booted: z.boolean(),
  nextBoot: z.boolean(),
  /** GPT attributes (Flatcar only; null elsewhere). */
  priority: z.number().int().nullable(),
  tries: z.number().int().nullable(),
  successful: z.boolean().nullable(),
});
export type OsSlot = z.infer<typeof OsSlotSchema>;

export const OS_SLOT_SCHEMES = ['usr-ab', 'talos-ab', 'nixos-generations'] as const;
export const NodeOsStateSchema = z.object({
  scheme: z.enum(OS_SLOT_SCHEMES),
  bootedVersion: z.string().max(64),
  slots: z.array(OsSlotSchema).max(64),
  updateEngine: z
    .object({
      status: z.enum(UPDATE_ENGINE_STATUSES),
      progress: z.number().min(0).max(1),
      newVersion: z.string().max(64).nullable(),
      lastCheckedAt: z.string().nullable(),
    })
    .nullable(),
  /** locksmithd's REBOOT_STRATEGY (`reboot`, `etcd-lock`, `off`), when the node has one. */
  rebootStrategy: z.string().max(32).nullable(),
});
export type NodeOsState = z.infer<typeof NodeOsStateSchema>;
/** The `customdata` key a node's agent reports its OS state under. */
export const OS_STATE_CUSTOMDATA_KEY = 'ironpane.io/os';

export const IpAddressSchema = z.object({
  address: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  public: z.boolean(),
  management: z.boolean(),
});

/**
 * A provisioning API's own lifecycle for a node (Ironic's provision state machine), in its words and
 * in plain ones: shown beside Ironpane's state, never instead of it.
 */
export const NodeProvisioningSchema = z.object({
  state: z.string().max(64),
  /** Where it is going; null once settled (Ironic's `target_provision_state`). */
  target: z.string().max(64).nullable(),
  words: z.string().max(300),
  /** Null: not in maintenance; otherwise the reason given ('' when none). */
  maintenance: z.string().max(1000).nullable(),
  lastError: z.string().max(4000).nullable(),
});
export type NodeProvisioning = z.infer<typeof NodeProvisioningSchema>;

/** An action a node's provider offers beyond power and reprovision (deploy, rescue, maintenance…). */
export const LifecycleActionSchema = z.object({
  id: z.string().max(40),
  label: z.string().max(60),
  /** Null: it can run now; otherwise why not, in words that say what to do. */
  blockedReason: z.string().max(300).nullable(),
  /** Wipes or takes the machine down: confirmed naming the node. */
  destructive: z.boolean(),
  /** Asks the operator for a reason (maintenance). */
  asksReason: z.boolean(),
  /** Where it ends: a provisioning state (`active`), or `maintenance` / `no maintenance`. */
  endsIn: z.string().max(40),
});
export type LifecycleAction = z.infer<typeof LifecycleActionSchema>;

export const FleetNodeSchema = z.object({
  /** `<accountId>:<deviceId>`: unique across connections even when two point at the same project. */
  id: z.string(),
  accountId: z.string(),
  deviceId: z.string(),
  shortId: z.string(),
  hostname: z.string(),
  description: z.string(),
  state: NodeStateSchema,
  provisioningPercentage: z.number().nullable(),
  metro: PlaceSchema.nullable(),
  facility: PlaceSchema.nullable(),
  plan: z.string().nullable(),
  os: z.object({
    slug: z.string(),
    name: z.string(),
    family: OsFamilySchema,
    version: z.string(),
    channel: z.string().nullable(),
  }),
  /** Slots and update_engine state, when the node reports them (null: it does not). */
  osState: NodeOsStateSchema.nullable(),
  ips: z.array(IpAddressSchema),
  tags: z.array(z.string()),
  /** No public or management address: reachable only over the serial console or from its VLAN. */
  layer2Only: z.boolean(),
  networkType: z.string().nullable(),
  switchUuid: z.string().nullable(),
  vlans: z.array(z.number()),
  sosHost: z.string().nullable(),
  /**
   * Who logs in on the serial console, where the connection says (an inventory's `console.user`);
   * absent: Metal's SOS convention, the device id.
   */
  consoleUser: z.string().optional(),
  provisioning: NodeProvisioningSchema.nullable().optional(),
  /** What the provider knows of the node beyond the columns (driver, BMC address, resource class, traits), as label and value. */
  facts: z
    .array(z.object({ label: z.string().max(64), value: z.string().max(500) }))
    .max(24)
    .optional(),
  lifecycleActions: z.array(LifecycleActionSchema).max(16).optional(),
  /** Why the provider does not offer an action now, by action (`reinstall`), in its own words. */
  actionNotes: z.record(z.string(), z.string().max(300)).optional(),
  /** Actions the provider says the device supports right now (Metal `Device.actions`). */
  actions: z.array(z.string()),
  /** The kind of connection the node comes from, and what it offers for this node (shared/capabilities.ts). */
  /** Its connection's kind (a provider folder's id: `metal`, `redfish`…). */
  provider: z.string().min(1).max(40),
  capabilities: z.array(z.enum(CAPABILITIES)),
  /** What a BMC reports about the machine (Redfish `ComputerSystem`); null where the provider does not say. */
  hardware: z
    .object({
      manufacturer: z.string().nullable(),
      model: z.string().nullable(),
      serialNumber: z.string().nullable(),
      biosVersion: z.string().nullable(),
      processors: z.number().nullable(),
      memoryGiB: z.number().nullable(),
      health: z.enum(['OK', 'Warning', 'Critical']).nullable(),
    })
    .nullable(),
  /** The boot override the BMC holds now, and the targets it accepts. */
  bootOverride: z
    .object({
      target: z.string(),
      enabled: z.enum(['Disabled', 'Once', 'Continuous']),
      allowed: z.array(z.enum(BOOT_TARGETS)),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FleetNode = z.infer<typeof FleetNodeSchema>;

export const OperatingSystemOptionSchema = z.object({
  slug: z.string(),
  name: z.string(),
  version: z.string(),
  family: OsFamilySchema,
  /** Plan slugs it can be installed on (empty: the provider did not say). */
  plans: z.array(z.string()),
});
export type OperatingSystemOption = z.infer<typeof OperatingSystemOptionSchema>;

export const NodeEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.string(),
  message: z.string(),
  createdAt: z.string(),
});
export type NodeEvent = z.infer<typeof NodeEventSchema>;

export { JUMP_HOP_PATTERN } from './forms';

/**
 * How a console sends BREAK (the Magic SysRq prefix): the RFC 4335 SSH break request, or the bytes
 * the serial server in between reads as one. OpenSSH's sshd with a ForceCommand bridge drops break
 * requests, so such gateways need a byte sequence.
 */
export const BREAK_METHODS = {
  ssh: { label: 'SSH break request (RFC 4335)', bytes: null },
  'tilde-b': { label: '~B after a newline (Equinix SOS, OpenSSH escape)', bytes: '\r~B' },
  'qemu-mux': { label: 'Ctrl-A b (QEMU serial mux)', bytes: '\x01b' },
  conserver: { label: 'Ctrl-E c l 0 (conserver)', bytes: '\x05cl0' },
} as const;
export type BreakMethod = keyof typeof BREAK_METHODS;
const BREAK_METHOD_NAMES = Object.keys(BREAK_METHODS) as [BreakMethod, ...BreakMethod[]];

/** How to reach an account's serial gateway: set per account, applied to every console it opens. */
export const ConsoleSettingsSchema = z.object({
  /** How BREAK (and so SysRq) is sent; settings saved before this existed use the SSH request. */
  breakMethod: z.enum(BREAK_METHOD_NAMES).default('ssh'),
  /** 0 turns keepalives off (some BMCs never answer them). */
  keepaliveSeconds: z.number().int().min(0).max(MAX_KEEPALIVE_SECONDS),
  /** Old BMCs offer only SHA-1 key exchange, ssh-rsa and CBC ciphers. */
  legacyAlgorithms: z.boolean(),
  /** Bastions in order, e.g. `ops@bastion.example:22`. */
  jumpHosts: z.array(z.string().regex(JUMP_HOP_PATTERN, 'write it as user@host or user@host:port')).max(MAX_JUMP_HOSTS),
});
export type ConsoleSettings = z.infer<typeof ConsoleSettingsSchema>;
export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = { breakMethod: 'ssh', keepaliveSeconds: 15, legacyAlgorithms: false, jumpHosts: [] };

export const ConnectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string().min(1).max(40),
  /** Where it points: an API base URL, a BMC URL, an inventory file's path or an IPMI `host:port`. */
  baseUrl: z.string(),
  /** The Metal project; empty for other kinds. */
  projectId: z.string(),
  /** What this connection can offer its nodes. */
  capabilities: z.array(z.enum(CAPABILITIES)),
  /** The renderer learns only that a token exists, never the token. */
  hasCredential: z.boolean(),
  /**
   * The secrets this console lacks for it, by their field labels (a team's shared connection added on
   * another console): until they are entered here, nothing runs on it. Empty when it has them all.
   */
  needsCredentials: z.array(z.string()),
  console: ConsoleSettingsSchema,
  sync: z.object({
    status: z.enum(['connecting', 'ok', 'error']),
    lastSyncAt: z.string().nullable(),
    nodeCount: z.number(),
    error: AppErrorDataSchema.nullable(),
    /**
     * How the fleet keeps up with it between full lists: `changes` where the provider says what
     * changed (an event log, a BMC's event stream, Ironic's update order), `lists` where it is listed
     * in full each poll. Absent until the first sync.
     */
    follows: z.enum(['changes', 'lists']).optional(),
  }),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const FleetPatchSchema = z.object({
  /** Monotonic per host launch; a renderer that sees a gap asks for a fresh snapshot. */
  version: z.number(),
  upserts: z.array(FleetNodeSchema),
  removed: z.array(z.string()),
});
export type FleetPatch = z.infer<typeof FleetPatchSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  /** The operator: a configured name, or OS user@host. */
  actor: z.string(),
  /** The console it was done from (empty in rows from before consoles were named). */
  console: z.string().optional(),
  action: z.string(),
  target: z.string(),
  targetName: z.string(),
  /** accepted: the provider took the request; succeeded/failed: what the node then did. */
  outcome: z.enum(['accepted', 'succeeded', 'failed']),
  message: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const CONSOLE_STATUSES = ['connecting', 'connected', 'reconnecting', 'closed', 'error'] as const;
export type ConsoleStatus = (typeof CONSOLE_STATUSES)[number];
/** Exit status a serial gateway uses for "this console already has a writer" (EX_TEMPFAIL, sysexits.h). */
export const CONSOLE_IN_USE_EXIT_STATUS = 75;
export const CONSOLE_MODES = ['rw', 'ro', 'takeover'] as const;
/** Read-write, read-only (watch), or take over from whoever holds the console. */
export type ConsoleMode = (typeof CONSOLE_MODES)[number];

export const ConsoleSessionInfoSchema = z.object({
  sessionId: z.string(),
  nodeId: z.string(),
  hostname: z.string(),
  /** `user@gateway[:port] [via jump → …]`, for the status line. */
  target: z.string(),
  status: z.enum(CONSOLE_STATUSES),
  readOnly: z.boolean(),
  error: AppErrorDataSchema.nullable(),
  logging: z.boolean(),
  logPath: z.string().nullable(),
  openedAt: z.string(),
});
export type ConsoleSessionInfo = z.infer<typeof ConsoleSessionInfoSchema>;

export const HostKeyPromptSchema = z.object({
  promptId: z.string(),
  sessionId: z.string(),
  host: z.string(),
  port: z.number(),
  keyType: z.string(),
  fingerprint: z.string(),
  knownHostsFile: z.string(),
});
export type HostKeyPrompt = z.infer<typeof HostKeyPromptSchema>;

export const AuthPromptSchema = z.object({
  promptId: z.string(),
  sessionId: z.string(),
  host: z.string(),
  name: z.string(),
  instructions: z.string(),
  prompts: z.array(z.object({ prompt: z.string(), echo: z.boolean() })),
});
export type AuthPrompt = z.infer<typeof AuthPromptSchema>;

export const TOPOLOGY_KINDS = ['metro', 'facility', 'rack', 'vlan', 'machine'] as const;

export const TopologyNodeSchema = z.object({
  /** Stable across updates: `metro:sv`, `facility:sv15`, `rack:sv15:aa82c0f9`, `vlan:sv:1201`, `machine:<fleet node id>`. */
  id: z.string(),
  kind: z.enum(TOPOLOGY_KINDS),
  /** The container this element sits in (collapse hides everything below it). */
  parentId: z.string().nullable(),
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
  label: z.string(),
  /** For machines: the fleet node; state, OS and hostname are read live from the fleet. */
  nodeId: z.string().nullable(),
  /** For machines: how a layer-2-only node is reached. */
  reach: z.enum(['direct', 'gateway', 'serial-only']).nullable(),
  /** For containers and VLANs: the machines inside or attached, for counts by state when folded. */
  members: z.array(z.string()),
});
export type TopologyNode = z.infer<typeof TopologyNodeSchema>;

export const TopologyEdgeSchema = z.object({
  id: z.string(),
  source: z.string(),
  target: z.string(),
  /** `member`: a machine on a VLAN; `gateway`: the path a layer-2-only node is reached through. */
  kind: z.enum(['member', 'gateway']),
});
export type TopologyEdge = z.infer<typeof TopologyEdgeSchema>;

export const TopologyGraphSchema = z.object({
  /** Changes only when structure changes (machines added/removed/moved, VLANs): not on state changes. */
  version: z.number(),
  width: z.number(),
  height: z.number(),
  nodes: z.array(TopologyNodeSchema),
  edges: z.array(TopologyEdgeSchema),
});
export type TopologyGraph = z.infer<typeof TopologyGraphSchema>;

// ---- node config: profiles and revisions ------------------------------------------------------

export const ConfigKindSchema = z.enum(CONFIG_KINDS);

export const ConfigRevisionSummarySchema = z.object({
  id: z.string(),
  profileId: z.string(),
  /** r1, r2, … within the profile. */
  number: z.number().int(),
  /** SHA-256 of the content, hex: what matches a node's applied user data to a revision. */
  contentHash: z.string(),
  author: z.string(),
  createdAt: z.string(),
  message: z.string(),
});
export type ConfigRevisionSummary = z.infer<typeof ConfigRevisionSummarySchema>;

export const ConfigRevisionSchema = ConfigRevisionSummarySchema.extend({ content: z.string() });
export type ConfigRevision = z.infer<typeof ConfigRevisionSchema>;

export const ConfigProfileSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: ConfigKindSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  /** Talos profiles: the release whose schema checks them (null: Ironpane's default). */
  talosVersion: z.string().nullable(),
  revisionCount: z.number().int(),
  latest: ConfigRevisionSummarySchema.nullable(),
});
export type ConfigProfile = z.infer<typeof ConfigProfileSchema>;

export const ConfigDiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  path: z.string(),
  from: z.number(),
  to: z.number(),
  line: z.number(),
  column: z.number(),
});

export const ConfigAssignmentSchema = z.object({
  profileId: z.string(),
  targetKind: z.enum(['node', 'tag']),
  target: z.string(),
  createdAt: z.string(),
});

export const NodeDriftSchema = z.object({
  nodeId: z.string(),
  state: z.enum(['unmanaged', 'checking', 'in_sync', 'drifted']),
  profileId: z.string().nullable(),
  profileName: z.string().nullable(),
  via: z.union([z.object({ kind: z.literal('node') }), z.object({ kind: z.literal('tag'), tag: z.string() })]).nullable(),
  assignedRevision: z.number().nullable(),
  appliedRevision: z.number().nullable(),
  summary: z.string(),
});

// ---- OS updates: what the update server (Nebraska) knows of each node ---------------------------

export const NodeUpdateSchema = z.object({
  nodeId: z.string(),
  serverId: z.string(),
  instanceId: z.string(),
  /** How the instance was matched to the node. */
  matchedBy: z.enum(['machine-id', 'hostname', 'address']),
  groupId: z.string(),
  groupName: z.string(),
  channel: z.string().nullable(),
  /** What the group's channel points at now: the version this node is meant to run. */
  targetVersion: z.string().nullable(),
  status: z.enum(INSTANCE_STATUS_NAMES),
  version: z.string(),
  lastCheckIn: z.string().nullable(),
  lastUpdateVersion: z.string().nullable(),
  updateInProgress: z.boolean(),
  /** The newest error code in the status history ("44": the node rolled back). */
  lastErrorCode: z.string().nullable(),
  rolledBack: z.boolean(),
});
export type NodeUpdate = z.infer<typeof NodeUpdateSchema>;

export const UpdatesPatchSchema = z.object({ upserts: z.array(NodeUpdateSchema), removed: z.array(z.string()) });

export const UpdateServerSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['lab', 'nebraska']),
  baseUrl: z.string(),
  app: z.string(),
  hasCredential: z.boolean(),
  sync: z.object({
    status: z.enum(['connecting', 'ok', 'error']),
    lastSyncAt: z.string().nullable(),
    instanceCount: z.number(),
    matchedCount: z.number(),
    error: AppErrorDataSchema.nullable(),
  }),
  /** Instances that match no fleet node (first 50), so an operator can see what is unaccounted for. */
  unmatched: z.array(z.object({ instanceId: z.string(), alias: z.string(), ip: z.string(), version: z.string(), groupName: z.string() })),
});
export type UpdateServer = z.infer<typeof UpdateServerSchema>;

export const RolloutPolicySchema = z.object({
  updatesEnabled: z.boolean(),
  safeMode: z.boolean(),
  officeHours: z.boolean(),
  timezone: z.string().max(100),
  periodInterval: z.string().max(100),
  maxUpdatesPerPeriod: z.number().int(),
  updateTimeout: z.string().max(100),
});

const StatusCountsSchema = z.record(z.enum(INSTANCE_STATUS_NAMES), z.number());

export const UpdateGroupSchema = z.object({
  serverId: z.string(),
  serverName: z.string(),
  id: z.string(),
  name: z.string(),
  description: z.string(),
  track: z.string(),
  channelId: z.string().nullable(),
  channelName: z.string().nullable(),
  targetVersion: z.string().nullable(),
  policy: RolloutPolicySchema,
  rolloutInProgress: z.boolean(),
  total: z.number(),
  counts: StatusCountsSchema,
  rollout: z.object({
    done: z.number(),
    inProgress: z.number(),
    waitingReboot: z.number(),
    failed: z.number(),
    remaining: z.number(),
    /** When the rest should be done at the policy's pace (null: paused, or nothing left). */
    etaMs: z.number().nullable(),
    /** Set when Ironpane paused the group because a node failed (the reason, in words). */
    pausedReason: z.string().nullable(),
    /** canary: safe mode lets one node through first; batches: up to the max per period; done; paused; idle (nothing to do). */
    phase: z.enum(['canary', 'batches', 'done', 'paused', 'idle']),
  }),
});
export type UpdateGroup = z.infer<typeof UpdateGroupSchema>;

export const UpdatePackageSchema = z.object({
  id: z.string(),
  version: z.string(),
  createdAt: z.string(),
  size: z.number(),
  channels: z.array(z.string()),
});
export type UpdatePackage = z.infer<typeof UpdatePackageSchema>;

export const UpdateActivitySchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(['packageNotFound', 'rolloutStarted', 'rolloutFinished', 'rolloutFailed', 'instanceUpdateFailed', 'channelPackageUpdated', 'other']),
  severity: z.enum(['success', 'info', 'warning', 'error']),
  version: z.string(),
  groupName: z.string(),
  instanceId: z.string(),
  hostname: z.string().nullable(),
});
export type UpdateActivity = z.infer<typeof UpdateActivitySchema>;

export const UpdateGroupDetailSchema = z.object({
  group: UpdateGroupSchema,
  breakdown: z.array(z.object({ version: z.string(), instances: z.number(), percentage: z.number() })),
  /** Per bucket start (ms): instances entering each status. */
  statusTimeline: z.array(z.object({ at: z.number(), counts: StatusCountsSchema })),
  /** Per bucket start (ms): instances on each version. */
  versionTimeline: z.array(z.object({ at: z.number(), counts: z.record(z.string(), z.number()) })),
  activity: z.array(UpdateActivitySchema),
});
export type UpdateGroupDetail = z.infer<typeof UpdateGroupDetailSchema>;

export const UpdateInstanceRowSchema = z.object({
  instanceId: z.string(),
  alias: z.string(),
  ip: z.string(),
  version: z.string(),
  status: z.enum(INSTANCE_STATUS_NAMES),
  lastCheckIn: z.string(),
  nodeId: z.string().nullable(),
  hostname: z.string().nullable(),
});
export type UpdateInstanceRow = z.infer<typeof UpdateInstanceRowSchema>;

export const UpdateHistoryEntrySchema = z.object({ status: z.enum(INSTANCE_STATUS_NAMES), version: z.string(), at: z.string(), errorCode: z.string() });
export type UpdateHistoryEntry = z.infer<typeof UpdateHistoryEntrySchema>;

// ---- operations: every action that changes a machine, journalled ---------------------------------

export const OPERATION_STEP_STATES = ['pending', 'sending', 'sent', 'succeeded', 'failed'] as const;

export const OperationSummarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  actor: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed']),
  /** An operator's pause or cancel of a bulk operation. */
  control: z.enum(['run', 'paused', 'cancelled']),
  policy: z.object({ maxParallel: z.number(), canary: z.boolean(), stopAfterFailures: z.number() }).nullable(),
  total: z.number(),
  done: z.number(),
  /** Steps that ran and failed (a cancelled step is not one). */
  failed: z.number(),
  /** Steps a cancel ended before they ran. */
  cancelled: z.number(),
  /** The operation that retried this one's failed steps (offered once). */
  retriedBy: z.string().nullable(),
  inFlight: z.number(),
  /** At the pace so far (bulk operations only). */
  etaMs: z.number().nullable(),
});
export type OperationSummary = z.infer<typeof OperationSummarySchema>;

export const OperationStepSchema = z.object({
  id: z.string(),
  nodeId: z.string(),
  hostname: z.string(),
  kind: z.string(),
  label: z.string(),
  /** pending: not sent; sending: written, maybe sent; sent: accepted, being verified; then succeeded or failed. */
  state: z.enum(OPERATION_STEP_STATES),
  attempts: z.number(),
  startedAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  message: z.string(),
  /** A runbook step kept what the console printed (read it with operations.transcript). */
  hasTranscript: z.boolean(),
});
export const OperationDetailSchema = OperationSummarySchema.extend({ steps: z.array(OperationStepSchema) });
export type OperationDetail = z.infer<typeof OperationDetailSchema>;
