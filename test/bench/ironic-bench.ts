/**
 * The Ironic provider's poll cost against the real Ironic 21.4 (the reference peer): 2,000 enrolled
 * nodes, a full list (`fields=`, pages of 500, ports) against a delta (`/v1/nodes/detail` sorted by
 * `updated_at`, read until the last time seen), idle and with 1 % of the nodes changed, in one run,
 * with their ratio. Skipped, saying why, where the peer cannot run.
 */
import { IronicClient } from '../../electron/services/providers/ironic/ironic-client';
import { IronicProvider } from '../../electron/services/providers/ironic/ironic-provider';
import { ironicAdmin, ironicMissing, startIronic } from '../support/ironic-peer';

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: Math.round((performance.now() - started) * 10) / 10, value };
}

export async function ironicBench(count = Number(process.env.BENCH_IRONIC_NODES ?? 2_000)) {
  const missing = ironicMissing();
  if (missing) return { skipped: `install ${missing}` };
  const peer = await startIronic();
  try {
    const admin = ironicAdmin(peer.url);
    const enrolled = await timed(async () => {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 32) {
        const batch = Array.from({ length: Math.min(32, count - i) }, (_, j) =>
          admin.enroll({
            name: `n-${i + j}`,
            driver: 'fake-hardware',
            properties: { cpus: 8, memory_mb: 32768, local_gb: 480 },
            extra: { metro: 'am', facility: `am${(i + j) % 8}` },
          }),
        );
        ids.push(...(await Promise.all(batch)));
      }
      return ids;
    });
    const requests: string[] = [];
    let bytes = 0;
    const notes = new Map<string, string>();
    const client = new IronicClient({
      baseUrl: peer.url,
      auth: { kind: 'none' },
      pinnedFingerprint: null,
      timeoutMs: 60_000,
      onRequest: ({ url }) => url.pathname !== '/' && requests.push(url.pathname + url.search),
    });
    const provider = new IronicProvider('bench', client, {
      placement: { source: 'extra' },
      images: [],
      osFamily: 'ubuntu',
      rescuePassword: '',
      notes: { get: (k) => notes.get(k), put: (k, v) => void (v === null ? notes.delete(k) : notes.set(k, v)) },
    });
    // Wire bytes: the same URLs the provider asked for, fetched again.
    const measure = async (from: number) => {
      let total = 0;
      for (const path of requests.slice(from)) {
        const response = await fetch(`${peer.url}${path}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.82' } });
        total += (await response.arrayBuffer()).byteLength;
      }
      return total;
    };
    await provider.listNodes(); // warm: the version, the conductor's caches
    let from = requests.length;
    const full = await timed(() => provider.listNodes());
    const fullRequests = requests.length - from;
    bytes = await measure(from);
    from = requests.length;
    const idle = await timed(() => provider.listChanged());
    const idleRequests = requests.length - from;
    const idleBytes = await measure(from);
    const changing = enrolled.value.slice(0, Math.max(1, Math.round(count / 100)));
    for (let i = 0; i < changing.length; i += 16)
      await Promise.all(changing.slice(i, i + 16).map((id) => admin.call('PATCH', `/v1/nodes/${id}`, [{ op: 'add', path: '/extra/rack', value: 'r9' }])));
    from = requests.length;
    const delta = await timed(() => provider.listChanged());
    const deltaRequests = requests.length - from;
    const deltaBytes = await measure(from);
    await provider.close();
    return {
      nodes: count,
      enrollSeconds: Math.round(enrolled.ms / 100) / 10,
      fullList: { ms: full.ms, requests: fullRequests, bytes, nodes: full.value.length },
      deltaIdle: { ms: idle.ms, requests: idleRequests, bytes: idleBytes, changed: idle.value?.length ?? null },
      deltaOnePercent: { ms: delta.ms, requests: deltaRequests, bytes: deltaBytes, changed: delta.value?.length ?? null },
      ratio: {
        fullOverIdleDeltaTime: Math.round((full.ms / idle.ms) * 10) / 10,
        fullOverOnePercentDeltaTime: Math.round((full.ms / delta.ms) * 10) / 10,
        fullOverOnePercentDeltaBytes: Math.round((bytes / deltaBytes) * 10) / 10,
      },
    };
  } finally {
    await peer.stop();
  }
}
