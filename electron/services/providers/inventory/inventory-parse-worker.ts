/**
 * The inventory parser as a worker thread's program (see ../../workers/worker-task.ts): it reads the
 * file's text, then posts the nodes in batches and the problems (if any) last. Bundled on its own by
 * scripts/build.mjs; never imported by main.
 */
import { parentPort } from 'node:worker_threads';
import { parseInventory, type InventoryNode, type InventoryProblem } from './inventory-file';

const BATCH = 500;
const port = parentPort!;
port.once('message', (text: string) => {
  const parsed = parseInventory(text);
  if (!parsed.ok) return port.postMessage({ done: { problems: parsed.problems } satisfies { problems: InventoryProblem[] } });
  for (let i = 0; i < parsed.nodes.length; i += BATCH) port.postMessage({ batch: parsed.nodes.slice(i, i + BATCH) satisfies InventoryNode[] });
  port.postMessage({ done: { problems: null } });
});
