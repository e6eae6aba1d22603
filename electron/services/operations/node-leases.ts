/**
 * Leases, not luck: a console takes a node in the store before it sends a step to it, renews what
 * it holds while it runs, and lets go when the step ends. One row per node (the primary key), taken
 * with one INSERT … ON CONFLICT DO UPDATE … WHERE the old lease expired or is this console's own,
 * so two consoles asking at once cannot both win, on SQLite or PostgreSQL alike
 * (https://www.postgresql.org/docs/15/sql-insert.html#SQL-ON-CONFLICT). A console that dies stops
 * renewing; after LEASE_MS another may take the node, and looks at it before it sends anything (the
 * step runner's no-double-send rule).
 *
 * Expiry is compared in each console's own clock (milliseconds since the epoch): consoles that share
 * a store keep their clocks in step (NTP), and LEASE_MS is far above the skew that leaves.
 */
import type { NodeLeaseView } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { OperatorIdentity } from '../audit/audit-log';
import type { Clock, Logger } from '../ports';
import type { Kysely, Selectable } from 'kysely';
import { queryStore, type StoreBackend } from '../store/store-backend';
import type { StoreSchema } from '../store/store-migrations';
import type { NodeLeaseTable } from '../store/store-migrations';

export const LEASE_MS = 30_000;
/** Lease changes announced within this long are read and passed on once. */
const ANNOUNCE_COALESCE_MS = 100;
export const LEASES_CHANNEL = 'ironpane_leases';

export interface NodeLease {
  nodeId: string;
  console: string;
  actor: string;
  operationId: string;
  stepId: string;
  what: string;
  since: string;
  expiresAt: number;
}

export class NodeLeases {
  private backend: StoreBackend | null = null;
  private readonly ready: Promise<StoreBackend>;
  private resolveReady!: (backend: StoreBackend) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The steps this console holds nodes for now: only these are renewed (a lease left from before a crash runs out). */
  private readonly held = new Set<string>();

  constructor(
    private readonly identity: OperatorIdentity,
    private readonly clock: Clock,
    private readonly log: Logger,
    /**
     * Who holds what now, after another console took or let go of a node (PostgreSQL only: the
     * SQLite store has one console). A burst of changes (a bulk operation's steps) is read once.
     */
    private readonly changed: (held: NodeLeaseView[]) => void = () => undefined,
    /** How long a hold lasts unless renewed (renewed every third of it). */
    private readonly leaseMs = LEASE_MS,
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  open(backend: StoreBackend): void {
    this.backend = backend;
    this.resolveReady(backend);
    this.unsubscribe = backend.listen(LEASES_CHANNEL, () => this.announceSoon());
    this.timer = setInterval(() => void this.renew(), Math.max(250, Math.floor(this.leaseMs / 3)));
    this.timer.unref?.();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.announcing) clearTimeout(this.announcing);
    this.unsubscribe?.();
  }

  private announcing: ReturnType<typeof setTimeout> | null = null;

  private announceSoon(): void {
    if (this.announcing) return;
    this.announcing = setTimeout(() => {
      this.announcing = null;
      // The store being away is said by its own status; the next change announces again.
      this.views().then(this.changed, () => undefined);
    }, ANNOUNCE_COALESCE_MS);
    this.announcing.unref?.();
  }

  /** A query once the store is open, refused (naming it) while it is away. */
  private async q<T>(query: (db: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
    return queryStore(await this.ready, query);
  }

  /**
   * Takes `nodeId` for a step, or refuses naming who holds it. Taking again a node this console
   * already holds (a resumed step, the next step on it) succeeds.
   */
  async claim(step: { nodeId: string; hostname: string; operationId: string; id: string }, what: string): Promise<void> {
    const now = this.clock.now();
    const row = {
      node_id: step.nodeId,
      console: this.identity.console,
      actor: this.identity.actor,
      operation_id: step.operationId,
      step_id: step.id,
      what,
      since: new Date(now).toISOString(),
      expires_at: now + this.leaseMs,
    };
    const taken = await this.q((db) =>
      db
        .insertInto('node_leases')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('node_id')
            .doUpdateSet({
              console: (eb) => eb.ref('excluded.console'),
              actor: (eb) => eb.ref('excluded.actor'),
              operation_id: (eb) => eb.ref('excluded.operation_id'),
              step_id: (eb) => eb.ref('excluded.step_id'),
              what: (eb) => eb.ref('excluded.what'),
              since: (eb) => eb.ref('excluded.since'),
              expires_at: (eb) => eb.ref('excluded.expires_at'),
            })
            .where((eb) => eb.or([eb('node_leases.expires_at', '<', now), eb('node_leases.console', '=', this.identity.console)])),
        )
        .returning('step_id')
        .executeTakeFirst(),
    );
    if (taken) {
      this.held.add(step.id);
      return;
    }
    const holder = await this.holder(step.nodeId);
    throw heldElsewhere(step.hostname, holder);
  }

  /** Refuses at once when another console holds the node (before an operation is even written). */
  async ensureFree(nodeId: string, hostname: string): Promise<void> {
    const holder = await this.holder(nodeId);
    if (holder && holder.console !== this.identity.console) throw heldElsewhere(hostname, holder);
  }

  /** Who holds the node now (an expired lease is nobody's). */
  async holder(nodeId: string): Promise<NodeLease | null> {
    const row = await this.q((db) =>
      db.selectFrom('node_leases').selectAll().where('node_id', '=', nodeId).where('expires_at', '>=', this.clock.now()).executeTakeFirst(),
    );
    return row ? toLease(row) : null;
  }

  /** Nodes other consoles hold now, for the window. */
  async heldByOthers(): Promise<NodeLease[]> {
    const rows = await this.q((db) =>
      db.selectFrom('node_leases').selectAll().where('console', '!=', this.identity.console).where('expires_at', '>=', this.clock.now()).execute(),
    );
    return rows.map(toLease);
  }

  /** Nodes other consoles hold now, as the window shows them. */
  async views(): Promise<NodeLeaseView[]> {
    return (await this.heldByOthers()).map(({ nodeId, actor, console, what, since, expiresAt }) => ({
      nodeId,
      actor,
      console,
      what,
      since,
      expiresAt: new Date(expiresAt).toISOString(),
    }));
  }

  /** Lets go of the node once its step has ended (only this step's lease). */
  async release(step: { nodeId: string; id: string }): Promise<void> {
    this.held.delete(step.id);
    await this.q((db) => db.deleteFrom('node_leases').where('node_id', '=', step.nodeId).where('step_id', '=', step.id).execute());
  }

  /** Pushes every lease this console holds LEASE_MS on; a store that is away is logged, not fatal. */
  async renew(): Promise<number> {
    if (!this.backend || this.held.size === 0) return 0;
    try {
      const result = await this.backend.db
        .updateTable('node_leases')
        .set({ expires_at: this.clock.now() + this.leaseMs })
        .where('console', '=', this.identity.console)
        .where('step_id', 'in', [...this.held])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    } catch (error) {
      this.log.warn('could not renew node leases; other consoles may take these nodes once they expire', { cause: error });
      return 0;
    }
  }
}

function toLease(row: Selectable<NodeLeaseTable>): NodeLease {
  return {
    nodeId: row.node_id,
    console: row.console,
    actor: row.actor,
    operationId: row.operation_id,
    stepId: row.step_id,
    what: row.what,
    since: row.since,
    expiresAt: Number(row.expires_at),
  };
}

function heldElsewhere(hostname: string, holder: NodeLease | null): AppError {
  const who = holder
    ? `${holder.actor} (console ${holder.console}) is running ${holder.what} on it since ${holder.since.slice(11, 16)} UTC`
    : 'another console is acting on it';
  return new AppError('conflict', `${hostname} is busy: ${who}. Ironpane acts on a node from one console at a time; try again once that finishes.`, {
    retryable: true,
  });
}
