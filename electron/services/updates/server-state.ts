/** What the update service keeps of one server between syncs: read by the sync, the guard and the read models. */
import type { UpdateServer } from '../../../shared/model';
import type { InstanceReadMark } from './instance-reads';
import type { ChannelWire, GroupWire, InstanceWire, PackageWire } from '../providers/nebraska/wire';

export interface ServerState {
  groups: GroupWire[];
  channels: ChannelWire[];
  packages: PackageWire[];
  instances: Map<string, InstanceWire[]>;
  /** Where the last instance read left off (instance-reads.ts); null before the first full list. */
  readMark: InstanceReadMark | null;
  /** How the last sync read the instances: in full, or as what changed. */
  lastRead: { kind: 'full' | 'changes'; fetched: number } | null;
  /** Instance id → the group it was last seen in, its status, and whether it rolled back. */
  lastStatus: Map<string, number>;
  rolledBack: Map<string, { key: string; rolledBack: boolean; errorCode: string | null }>;
  /** Instances whose node itself shows it fell back from the group's target (see failedUsrSlot). */
  observedRollbacks: Set<string>;
  sync: UpdateServer['sync'];
  unmatched: UpdateServer['unmatched'];
  /** Instance id → fleet node id, from the last join (the instance list and activity reuse it). */
  nodeOf: Map<string, string>;
}
