/**
 * Runtime layering is law (docs/architecture.md#runtime-folders): shared/ is pure, services never touch Electron, only
 * electron/main and electron/preload import `electron`, the renderer reaches no Node module, and
 * production code never imports tests or the web host.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|tsx)$/.test(entry) && !/\.test\.tsx?$/.test(entry)) out.push(rel);
  }
  return out;
}

/** Module specifiers a file imports, statically or dynamically. */
export function importsOf(text: string): string[] {
  const specs = new Set<string>();
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    specs.add((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  }
  return [...specs];
}

function violations(dir: string, forbidden: (spec: string, resolved: string | null) => string | null): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(dir)) {
    for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const resolved = spec.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec)) : null;
      const why = forbidden(spec, resolved);
      if (why) found.push(`${file} imports ${spec}: ${why}`);
    }
  }
  return found;
}

const NODE_BUILTIN = /^(node:|fs$|path$|os$|crypto$|http$|net$|child_process$)/;

describe('runtime boundaries', () => {
  it('finds imports of every form (so the rules below can fail)', () => {
    expect(
      importsOf(`import { a } from 'electron';\nimport x from "../b";\nconst c = await import('node:fs');\nimport './d.css';\nexport * from './e';`),
    ).toEqual(['electron', '../b', 'node:fs', './d.css', './e']);
  });

  it('shared/ is pure: no Node, no Electron, nothing outside shared/', () => {
    expect(
      violations('shared', (spec, resolved) => {
        if (spec === 'electron' || NODE_BUILTIN.test(spec)) return 'shared code runs in every process';
        if (resolved && !resolved.startsWith('shared')) return 'shared may only import shared';
        return null;
      }),
    ).toEqual([]);
  });

  it('only electron/main and electron/preload import electron', () => {
    const rule = (spec: string) => (spec === 'electron' || spec.startsWith('electron/') ? 'Electron belongs to electron/main and electron/preload' : null);
    expect([
      ...violations('electron/services', rule),
      ...violations('electron/rpc', rule),
      ...violations('electron/lab', rule),
      ...violations('electron/hosts', rule),
      ...violations('renderer/src', rule),
    ]).toEqual([]);
  });

  it('the renderer imports no Node modules and no main-process code', () => {
    expect(
      violations('renderer/src', (spec, resolved) => {
        if (NODE_BUILTIN.test(spec) || ['ws', 'ssh2'].includes(spec)) return 'the renderer runs in a sandboxed browser';
        if (resolved && resolved.startsWith('electron')) return 'the renderer talks to main only through the bridge';
        return null;
      }),
    ).toEqual([]);
  });

  it('production code never imports tests, and Electron main never imports the web host', () => {
    const intoTests = (_spec: string, resolved: string | null) => (resolved?.startsWith('test') ? 'tests are not shipped' : null);
    expect([...violations('electron', intoTests), ...violations('renderer/src', intoTests), ...violations('shared', intoTests)]).toEqual([]);
    expect(
      violations('electron/main', (_s, resolved) => (resolved?.startsWith(path.join('electron', 'hosts')) ? 'the web host is never packaged' : null)),
    ).toEqual([]);
    expect(
      violations('electron/services', (_s, resolved) => (resolved?.startsWith(path.join('electron', 'main')) ? 'services do not know their host' : null)),
    ).toEqual([]);
  });
});

/**
 * The layers of electron/services, bottom first (docs/architecture.md#services). A folder imports
 * only folders of a lower layer; files at the folder's root other than compose.ts are the bottom
 * (ports, the console endpoint), compose.ts the top. Type-only imports count: a type that runs back
 * up a layer is a dependency drawn the wrong way round all the same.
 */
export const SERVICE_LAYERS: readonly (readonly string[])[] = [
  ['(base)', 'ports'],
  ['files', 'net', 'workers'],
  ['vault', 'store'],
  ['audit'],
  ['providers'],
  ['connections'],
  ['fleet'],
  ['console', 'config', 'topology'],
  ['runbooks'],
  ['operations'],
  ['actions'],
  ['updates'],
  ['(compose)'],
];

/** The folder (or root role) a path in electron/services belongs to. */
function serviceFolder(rel: string): string {
  const inside = path.relative(path.join('electron', 'services'), rel);
  const [first, ...rest] = inside.split(path.sep);
  if (rest.length > 0) return first!;
  return first!.startsWith('compose') ? '(compose)' : '(base)';
}

/** Folder → folders it imports, with one file that does, for the message. */
export function serviceGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(path.join('electron', 'services'))) {
    const from = serviceFolder(file);
    for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const resolved = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
      if (!resolved.startsWith(path.join('electron', 'services') + path.sep)) continue;
      const to = serviceFolder(resolved);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, file);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every cycle of folders, as a path a → b → … → a. */
export function folderCycles(graph: Map<string, Map<string, string>>): string[] {
  const cycles = new Set<string>();
  const walk = (start: string, at: string, trail: string[]) => {
    for (const next of graph.get(at)?.keys() ?? []) {
      if (next === start) {
        const ring = [...trail];
        const i = ring.indexOf([...ring].sort()[0]!);
        cycles.add([...ring.slice(i), ...ring.slice(0, i), ring[i]].join(' → '));
      } else if (!trail.includes(next) && trail.length < 8) walk(start, next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) walk(start, start, [start]);
  return [...cycles].sort();
}

describe('service layers', () => {
  const rank = (folder: string) => SERVICE_LAYERS.findIndex((layer) => layer.includes(folder));

  it('every folder of electron/services has a layer', () => {
    const folders = readdirSync(path.join(ROOT, 'electron', 'services')).filter((f) => statSync(path.join(ROOT, 'electron', 'services', f)).isDirectory());
    expect(folders.filter((f) => rank(f) < 0)).toEqual([]);
  });

  it('no import runs back up a layer, and no folders import each other in a loop', () => {
    const graph = serviceGraph();
    const upward: string[] = [];
    for (const [from, edges] of graph) {
      for (const [to, file] of edges) if (rank(to) >= rank(from)) upward.push(`${file} (${from}) imports ${to}, which is not below it`);
    }
    expect(upward).toEqual([]);
    expect(folderCycles(graph)).toEqual([]);
  });

  it('finds a loop and an upward import when there is one (so the rule can fail)', () => {
    const graph = new Map([
      ['console', new Map([['runbooks', 'console/console-service.ts']])],
      ['runbooks', new Map([['console', 'runbooks/runbook-service.ts']])],
    ]);
    expect(folderCycles(graph)).toEqual(['console → runbooks → console']);
    expect(rank('runbooks')).toBeGreaterThan(rank('console'));
  });
});

describe('the repository documents itself', () => {
  it('sends no reader outside it: no links to notes or design documents beside the checkout', () => {
    const docs = [
      'README.md',
      'CONVENTIONS.md',
      ...readdirSync(path.join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const files = [...docs, ...['shared', 'electron', 'renderer/src'].flatMap(sourceFiles)];
    const outside = /\.\.\/shared\/(?:DESIGN|reference)|DESIGN\.md|(?:^|[\s(])(?:reference\/)?notes\/[\w-]+\.md/m;
    const found = files.filter((file) => outside.test(readFileSync(path.join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });
});
