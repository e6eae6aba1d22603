/** What the service-level tests share: a typed router call, a silent logger, and polling until a condition holds. */
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { AuditLog } from '../../electron/services/audit/audit-log';
import { AuditStore } from '../../electron/services/audit/audit-store';
import type { Clock } from '../../electron/services/ports';
import { openStoreBackend } from '../../electron/services/store/store-backend';
import type { EventBus } from '../../electron/rpc/event-bus';

export type Call = <K extends MethodName>(method: K, input: MethodInput<K>) => Promise<Result<MethodOutput<K>>>;

export const quietLog = { info() {}, warn() {}, error() {} };

/** Reads until `ok` holds; fails with the last value read (so the failure says what was there instead). */
export async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms: ${describe(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An operation read back says most as its steps, one line each; anything else as JSON. */
function describe(value: unknown): string {
  const steps = (value as { value?: { steps?: { hostname: string; state: string; message: string; attempts: number }[] } } | null)?.value?.steps;
  if (!steps) return JSON.stringify(value).slice(0, 600);
  return steps.map((s) => `\n  ${s.hostname}: ${s.state} (attempts ${s.attempts}) ${s.message}`).join('');
}

/** An audit log on an in-memory SQLite store, for service tests that need one. */
export async function auditInMemory(bus: EventBus, actor = 'tester', clock: Clock = { now: () => Date.now() }): Promise<AuditLog> {
  const audit = new AuditLog(bus, clock, { actor, console: 'test/000000' });
  await audit.open(new AuditStore(await openStoreBackend({ sqliteFile: ':memory:' })));
  return audit;
}
