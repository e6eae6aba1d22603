/**
 * How a sync reads an update server's instances (docs/architecture.md#os-updates). Listing every
 * instance of every group is 50 pages at 50,000 instances; between such full lists (the safety net,
 * every FULL_INSTANCES_EVERY_MS) a sync reads only what can have changed:
 *
 * - the instances that checked in since the last read, newest first (Nebraska orders its listing by
 *   `last_check_for_updates` and bounds it by `duration`): a check-in is how an instance joins,
 *   changes version or group, is granted an update or completes one;
 * - the instances whose status moves without a check-in: update_engine reports downloading,
 *   downloaded, installed and errors in event-only requests, which Nebraska records without moving
 *   the last check-in (omaha.go calls RegisterInstance only for a ping or an update check). Only an
 *   instance that was granted an update can be in those, so they are listed by status while any
 *   instance of the group is mid-update, and one that left those statuses without checking in is
 *   fetched alone to see where it went.
 *
 * An instance that ages out of the 30-day window, or a server that does not order its listing as
 * asked, waits for the next full list.
 */
import { INSTANCE_STATUS } from '../../../shared/updates/nebraska-rules';
import type { Duration, NebraskaClient } from '../providers/nebraska/nebraska-client';
import type { GroupWire, InstanceWire } from '../providers/nebraska/wire';
import { isAppError } from '../../../shared/errors';

/** The safety net: every group listed in full at least this often. */
export const FULL_INSTANCES_EVERY_MS = 5 * 60_000;
/** A check-in committed a little after its timestamp still counts: re-read this far behind the newest one seen. */
const CHECK_IN_MARGIN_MS = 60_000;
/** Statuses an instance enters and leaves by events alone, once an update was granted. */
const MID_UPDATE: readonly number[] = [INSTANCE_STATUS.updateGranted, INSTANCE_STATUS.downloading, INSTANCE_STATUS.downloaded, INSTANCE_STATUS.installed];
/** More instances than this to fetch one by one, and a full list is cheaper. */
const MAX_FETCHED_ALONE = 50;
/** Nebraska's `duration` windows, shortest first. */
const WINDOWS: readonly [Duration, number][] = [
  ['1h', 3_600_000],
  ['1d', 86_400_000],
  ['7d', 7 * 86_400_000],
];

/** Where the last read left off. */
export interface InstanceReadMark {
  /** When the last full list ran (this machine's clock). */
  fullAt: number;
  /** When the last read of any kind ran (this machine's clock): how far back the next one must reach. */
  readAt: number;
  /** The newest check-in seen, by the server's clock (so a skewed clock does not matter). */
  newestCheck: number;
  /** Whether the last full list came newest check-in first, as asked: reading changes relies on it. */
  ordered: boolean;
}

export interface InstanceRead {
  instances: Map<string, InstanceWire[]>;
  mark: InstanceReadMark;
  kind: 'full' | 'changes';
  /** How many instances the read fetched, pages and single ones together. */
  fetched: number;
}

const checkedAt = (instance: InstanceWire) => Date.parse(instance.application?.last_check_for_updates ?? '');
const isMidUpdate = (instance: InstanceWire) => MID_UPDATE.includes(instance.application?.status ?? 0);

function newestCheckOf(lists: Iterable<InstanceWire[]>, since: number): number {
  let newest = since;
  for (const list of lists)
    for (const instance of list) {
      const at = checkedAt(instance);
      if (Number.isFinite(at) && at > newest) newest = at;
    }
  return newest;
}

/** Every group's instances, in full or as changes to `previous`; `now` is this machine's clock. */
export async function readInstances(
  client: NebraskaClient,
  groups: readonly GroupWire[],
  previous: ReadonlyMap<string, InstanceWire[]>,
  mark: InstanceReadMark | null,
  now: number,
): Promise<InstanceRead> {
  const window = mark && WINDOWS.find(([, ms]) => now - mark.readAt + 2 * CHECK_IN_MARGIN_MS < ms)?.[0];
  const groupsKnown = groups.every((group) => previous.has(group.id));
  if (mark?.ordered && window && groupsKnown && now - mark.fullAt < FULL_INSTANCES_EVERY_MS) {
    const changes = await readChanges(client, groups, previous, mark, window);
    if (changes) return { ...changes, mark: { ...mark, readAt: now, newestCheck: newestCheckOf(changes.fresh, mark.newestCheck) }, kind: 'changes' };
  }
  const instances = new Map<string, InstanceWire[]>();
  let fetched = 0;
  let ordered = true;
  let newestCheck = 0;
  for (const group of groups) {
    const list = await client.allInstances(group.id, '30d', true);
    ordered &&= newestFirst(list);
    // Newest first: the first of each list is its newest check-in (a list out of order never reads changes).
    const newest = newestCheckOf([list.slice(0, 1)], 0);
    // An instance that checked in while later pages were read moved to the front, already read:
    // one more page of the newest check-ins brings it back.
    const caught = ordered ? await client.instancesCheckedSince(group.id, newest - CHECK_IN_MARGIN_MS, '1h') : null;
    const merged = caught ? [...new Map([...list, ...caught].map((i) => [i.id, i])).values()] : list;
    instances.set(group.id, merged);
    fetched += list.length + (caught?.length ?? 0);
    newestCheck = newestCheckOf([caught?.slice(0, 1) ?? []], Math.max(newestCheck, newest));
  }
  return { instances, fetched, mark: { fullAt: now, readAt: now, newestCheck, ordered }, kind: 'full' };
}

/**
 * Whether a list came newest check-in first. An instance that checks in while the pages are read
 * moves to the front, which shifts later pages by one (the repeat is dropped) but keeps the order.
 */
function newestFirst(list: readonly InstanceWire[]): boolean {
  let previous = Number.POSITIVE_INFINITY;
  for (const instance of list) {
    const at = checkedAt(instance);
    if (!Number.isFinite(at) || at > previous) return false;
    previous = at;
  }
  return true;
}

/** The changes since `mark`, merged into `previous`; null when only a full list can tell. */
async function readChanges(
  client: NebraskaClient,
  groups: readonly GroupWire[],
  previous: ReadonlyMap<string, InstanceWire[]>,
  mark: InstanceReadMark,
  window: Duration,
): Promise<{ instances: Map<string, InstanceWire[]>; fresh: InstanceWire[][]; fetched: number } | null> {
  const fresh = new Map<string, InstanceWire[]>();
  const gone = new Map<string, Set<string>>();
  for (const group of groups) {
    const recent = await client.instancesCheckedSince(group.id, mark.newestCheck - CHECK_IN_MARGIN_MS, window);
    if (recent === null) return null;
    const before = previous.get(group.id) ?? [];
    const watched = new Set([...before, ...recent].filter(isMidUpdate).map((i) => i.id));
    const read = [...recent];
    const left = new Set<string>();
    if (watched.size > 0) {
      for (const status of MID_UPDATE) read.push(...(await client.instancesInStatus(group.id, status)));
      const seen = new Set(read.map((i) => i.id));
      const unseen = [...watched].filter((id) => !seen.has(id));
      if (unseen.length > MAX_FETCHED_ALONE) return null;
      for (const id of unseen) {
        try {
          read.push(await client.instance(group.id, id));
        } catch (error) {
          // Not in this group any more (moved, which a check-in shows in its new group, or deleted).
          if (isAppError(error) && error.code === 'not_found') left.add(id);
          else throw error;
        }
      }
    }
    fresh.set(group.id, read);
    gone.set(group.id, left);
  }
  // An instance read in one group is in no other: it moved there.
  const homeOf = new Map<string, string>();
  for (const [groupId, read] of fresh) for (const instance of read) homeOf.set(instance.id, groupId);
  const instances = new Map<string, InstanceWire[]>();
  let fetched = 0;
  for (const group of groups) {
    const byId = new Map<string, InstanceWire>();
    const left = gone.get(group.id)!;
    for (const instance of previous.get(group.id) ?? []) {
      const home = homeOf.get(instance.id);
      if (!left.has(instance.id) && (home === undefined || home === group.id)) byId.set(instance.id, instance);
    }
    for (const instance of fresh.get(group.id)!) byId.set(instance.id, instance);
    instances.set(group.id, [...byId.values()]);
    fetched += fresh.get(group.id)!.length;
  }
  return { instances, fresh: [...fresh.values()], fetched };
}
