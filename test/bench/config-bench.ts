/**
 * Node config: the lint a keystroke costs on a 2,000-line document (Ironpane's checks, and the
 * schema check main adds), Butane translation time, the editor chunk's size, and deriving drift for
 * 10,000 nodes. Figures are printed, not asserted; the lint target is one frame (16.7 ms).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { translateButane } from '../../shared/config/butane';
import { checkDocument } from '../../shared/config/documents';
import { deriveDrift, type DriftInputs } from '../../shared/config/drift';
import { SchemaService } from '../../electron/services/config/schema-service';
import { schemaReferenceAvailable, startSchemaMirror } from '../fakes/schema-mirror';
import { ROOT } from '../e2e/helpers';

const round = (x: number, d = 2) => Number(x.toFixed(d));

function timeIt(runs: number, fn: () => unknown): { medianMs: number; p95Ms: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(times[Math.floor(times.length / 2)]!), p95Ms: round(times[Math.floor(times.length * 0.95)]!) };
}

async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<{ medianMs: number; p95Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(times[Math.floor(times.length / 2)]!), p95Ms: round(times[Math.floor(times.length * 0.95)]!) };
}

/** A believable 2,000-line Butane config: many files with inline contents, units and users. */
function bigButane(): string {
  const lines = ['variant: flatcar', 'version: 1.1.0', 'passwd:', '  users:'];
  for (let i = 0; i < 40; i++)
    lines.push(`    - name: user${i}`, '      groups: [docker]', `      ssh_authorized_keys: [ssh-ed25519 AAAAC3Nza${i} user${i}@example]`);
  lines.push('storage:', '  files:');
  for (let i = 0; lines.length < 1500; i++)
    lines.push(
      `    - path: /etc/app/conf-${i}.env`,
      '      mode: 0644',
      '      contents:',
      '        inline: |',
      `          KEY_${i}=value-${i}`,
      `          OTHER_${i}=more`,
    );
  lines.push('systemd:', '  units:');
  for (let i = 0; lines.length < 2000; i++)
    lines.push(`    - name: app-${i}.service`, '      enabled: true', '      contents: |', '        [Service]', `        ExecStart=/usr/bin/app --id ${i}`);
  return `${lines.join('\n')}\n`;
}

/** A 2,000-line Talos config: one machine document and many small documents. */
function bigTalos(): string {
  const docs = ['version: v1alpha1\nmachine:\n  type: worker\n  install:\n    disk: /dev/sda\ncluster:\n  controlPlane:\n    endpoint: https://10.0.0.1:6443'];
  for (let i = 0; docs.join('\n---\n').split('\n').length < 2000; i++)
    docs.push(`apiVersion: v1alpha1\nkind: StaticHostConfig\nname: 10.0.${Math.floor(i / 250)}.${i % 250}\nhostnames:\n  - host-${i}.example`);
  return `${docs.join('\n---\n')}\n`;
}

export async function configBench() {
  const butane = bigButane();
  const talos = bigTalos();
  const result: Record<string, unknown> = { documentLines: { butane: butane.split('\n').length - 1, talos: talos.split('\n').length - 1 } };
  result.translateButane2000Lines = timeIt(40, () => translateButane(butane));
  result.lintPerKeystroke = {
    butaneLocal: timeIt(40, () => checkDocument('butane', butane)),
    targetMs: 16.7,
  };
  if (schemaReferenceAvailable) {
    const mirror = await startSchemaMirror();
    try {
      const schemas = new SchemaService({
        dataDir: mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-')),
        log: { info() {}, warn() {}, error() {} },
        sources: mirror.sources,
      });
      await schemas.check('talos', talos); // fetch and compile once
      (result.lintPerKeystroke as Record<string, unknown>).talosWithSchema = await timeAsync(20, async () => {
        checkDocument('talos', talos);
        await schemas.check('talos', talos);
      });
    } finally {
      await mirror.close();
    }
  } else {
    (result.lintPerKeystroke as Record<string, unknown>).talosWithSchema = 'skipped: the reference schemas are absent';
  }

  const assets = path.join(ROOT, 'out/renderer/assets');
  const chunk = readdirSync(assets).find((f) => /^ConfigScreen-.*\.js$/.test(f));
  if (chunk) {
    // The screen's chunk and the chunks it imports that the startup bundle does not already carry
    // (CodeMirror lands in a chunk shared with the diff the node details load on demand).
    const text = readFileSync(path.join(assets, chunk), 'utf8');
    const startup = readFileSync(path.join(ROOT, 'out/renderer/index.html'), 'utf8');
    const imported = [...text.matchAll(/from"\.\/([^"]+\.js)"/g)].map((m) => m[1]!).filter((f) => !startup.includes(f) && !f.startsWith('jsx-runtime'));
    const files = [chunk, ...new Set(imported)];
    const bytes = files.reduce((sum, f) => sum + statSync(path.join(assets, f)).size, 0);
    const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(assets, f))).length, 0);
    result.editorChunks = { files, kB: round(bytes / 1000, 1), gzipKB: round(gzip / 1000, 1), loadedAtStartup: false };
  }

  // Drift for 10,000 nodes: 20 tags, 10 profiles, every node managed, a third drifted.
  const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, tags: [`tag-${i % 20}`, 'fleet'] }));
  const inputs: DriftInputs = {
    assignments: Array.from({ length: 20 }, (_, t) => ({ profileId: `p${t % 10}`, targetKind: 'tag' as const, target: `tag-${t}` })),
    profiles: new Map(Array.from({ length: 10 }, (_, p) => [`p${p}`, { name: `profile ${p}`, latestNumber: 12, latestRenderedHash: `h${p}-12` }])),
    revisionByHash: new Map(Array.from({ length: 10 }, (_, p) => [`p${p}:h${p}-9`, 9])),
  };
  const applied = nodes.map((_, i) => (i % 3 === 0 ? `h${(i % 20) % 10}-9` : `h${(i % 20) % 10}-12`));
  result.drift10000Nodes = timeIt(20, () => nodes.map((n, i) => deriveDrift(n, applied[i], inputs)));
  return result;
}
