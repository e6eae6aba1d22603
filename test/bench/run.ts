/** `npm run bench`: every benchmark, one JSON document on stdout (also written to out/bench/). */
// First: the worker programs, bundled as the build does, before any service module reads them.
import './bundled-workers';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { configBench } from './config-bench';
import { consoleBench } from './console-bench';
import { fleetBench } from './fleet-bench';
import { topologyBench } from './topology-bench';
import { updatesBench } from './updates-bench';
import { operationsBench } from './operations-bench';
import { bulkBench } from './bulk-bench';
import { ironicBench } from './ironic-bench';
import { storeBench } from './store-bench';
import { tuneMainHeap } from '../../electron/services/heap-tuning';

// Several parts run main's services in this process: tune its heap as both hosts do.
tuneMainHeap();
const only = process.argv[2];
const result: Record<string, unknown> = {
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)), node: process.version },
};
// `fleet 50000` (or `fleet 10000,50000`): the fleet part at those sizes; by default both.
if (!only || only === 'fleet') result.fleet = await fleetBench(process.argv[3]);
if (!only || only === 'console') result.console = await consoleBench();
if (!only || only === 'topology') result.topology = await topologyBench();
if (!only || only === 'config') result.config = await configBench();
if (!only || only === 'updates') result.updates = await updatesBench();
if (!only || only === 'operations') result.operations = await operationsBench();
if (!only || only === 'bulk') result.bulk = await bulkBench();
if (!only || only === 'team-bulk') result.teamBulk = await bulkBench(undefined, 600, 2);
if (!only || only === 'ironic') result.ironic = await ironicBench();
if (!only || only === 'store') result.store = await storeBench();
mkdirSync('out/bench', { recursive: true });
writeFileSync('out/bench/bench.json', JSON.stringify(result, null, 2));
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
