/**
 * Parses an inventory off main's event loop when it is large (docs/architecture.md#what-ironpane-trusts):
 * in a worker whose code the build bundles in (`__INVENTORY_PARSER__`), small files inline. Where no
 * bundled worker exists (unit tests run the TypeScript), a caller may pass the worker's code itself.
 */
import { runWorkerTask } from '../../workers/worker-task';
import { parseInventory, type InventoryNode, type InventoryParse, type InventoryProblem } from './inventory-file';

declare const __INVENTORY_PARSER__: string | undefined;

/** Below this, parsing inline costs less than starting a worker (~30 ms). */
const INLINE_BELOW_CHARS = 256 * 1024;

const bundledInventoryParser: string | null = typeof __INVENTORY_PARSER__ === 'string' ? __INVENTORY_PARSER__ : null;

export async function parseInventoryOffMain(text: string, workerSource: string | null = bundledInventoryParser): Promise<InventoryParse> {
  if (!workerSource || text.length < INLINE_BELOW_CHARS) return parseInventory(text);
  const { items, result } = await runWorkerTask<string, InventoryNode, { problems: InventoryProblem[] | null }>(workerSource, text, {
    what: 'Reading the inventory file',
    timeoutMs: 60_000,
    maxHeapMb: 1024,
  });
  return result.problems ? { ok: false, problems: result.problems } : { ok: true, nodes: items };
}
