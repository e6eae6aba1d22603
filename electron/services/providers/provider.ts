/**
 * What every provider (Metal API, Redfish, IPMI, inventory files; any kind in providers/registry.ts) offers the services.
 * Providers speak their own wire formats and return Ironpane's domain model.
 */
import { AppError } from '../../../shared/errors';
import {
  capabilityMissingReason,
  type BootTarget,
  type Capability,
  type ConnectionKind,
  type FleetNode,
  type NodeEvent,
  type OperatingSystemOption,
  type PowerAction,
} from '../../../shared/model';

export interface BootOverrideRequest {
  target: BootTarget;
  /** `Once`: the next boot only; `Continuous`: until changed; `Disabled`: clear the override. */
  mode: 'Once' | 'Continuous' | 'Disabled';
}

/** Where a provider says a node's serial console listens (credentials come from the connection). */
export interface ProviderConsoleEndpoint {
  host: string;
  port: number;
}

/** For a provider method its kind can never do: the same words the window shows on the disabled button. */
export function unsupported(kind: ConnectionKind, capability: Capability): Promise<never> {
  const reason = capabilityMissingReason({ provider: kind, capabilities: [] }, capability) ?? 'Not supported.';
  return Promise.reject(new AppError('invalid', reason, { retryable: false }));
}

/** The provider of a node's connection, as main lends it to the services that act on nodes. */
export type ProviderFor = (node: { accountId: string }) => Promise<FleetProvider>;

export interface FleetProvider {
  /** Confirms the credentials and project are good; throws an AppError a person can act on. */
  verify(): Promise<{ projectName: string }>;
  /** Every node; `onPage` sees them as they arrive so a first sync can show progress. */
  listNodes(onPage?: (nodes: FleetNode[]) => void): Promise<FleetNode[]>;
  /** How long the last listNodes waited for the account's request budget (a rate-limited account queues requests). */
  readonly lastListWaitMs?: number;
  /** What the last listNodes left out and why, though it succeeded (a BMC system it could not read). */
  readonly lastWarning?: string | null;
  /** One node, fresh: used to follow machines that are changing state between full syncs. */
  getNode(deviceId: string): Promise<FleetNode>;
  nodeEvents(deviceId: string): Promise<NodeEvent[]>;
  power(deviceId: string, action: PowerAction): Promise<void>;
  /** The user data the node was (or will be) provisioned with: what drift compares with the assigned config. */
  userdata(deviceId: string): Promise<string>;
  /** Sets the user data the next (re)install provisions with; the running machine is not touched. */
  setUserdata(deviceId: string, userdata: string): Promise<void>;
  /** The operating systems the provider can install, with the plans each may go on. */
  operatingSystems(): Promise<OperatingSystemOption[]>;
  /** Wipes (or keeps the data of) the node and installs an operating system on it. */
  reinstall(deviceId: string, input: { operatingSystem: string; preserveData: boolean }): Promise<void>;
  /** Sets the boot device for the next boot (or every boot); BMC-backed providers only. */
  setBootOverride?(deviceId: string, request: BootOverrideRequest): Promise<NonNullable<FleetNode['bootOverride']>>;
  /** A lifecycle action the node lists in `lifecycleActions` (deploy, rescue, maintenance…); the engine follows it to where it ends. */
  lifecycle?(deviceId: string, action: string, input: { reason?: string }): Promise<void>;
  /** The nodes changed since the last list or delta, or null when a full list is due: providers that can tell (Ironic's `updated_at` order, the Metal project's event log). */
  listChanged?(): Promise<FleetNode[] | null>;
  /** False while a provider with listChanged cannot follow changes (its API refused): the fleet lists at the steady pace. */
  readonly followsChanges?: boolean;
  /** Where the node's serial console is, for providers that know it per node (a BMC's SSH console). */
  consoleEndpoint?(deviceId: string): Promise<ProviderConsoleEndpoint>;
  /** Releases what the provider holds (a Redfish session, a file watcher) when its connection goes. */
  close?(): Promise<void>;
}
