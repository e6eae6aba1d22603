/**
 * The inventory file: schema errors name the line and the field; a watched file reloads on edit and
 * a broken edit keeps the last good fleet, saying why; capabilities follow what each entry lists.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { capabilityMissingReason, powerActionBlockedReason, reinstallBlockedReason } from '../../../../shared/model';
import type { AppError } from '../../../../shared/errors';
import { parseInventory } from './inventory-file';
import { InventoryProvider } from './inventory-provider';
import { ProviderRegistry } from '../registry';

// The kinds' why-not words come from their descriptions, registered by the registry as main's is.
new ProviderRegistry();

const GOOD = `# rack 12
nodes:
  - hostname: db-01
    tags: [db, prod]
    place: { metro: am, facility: am6, rack: r12 }
    addresses: [10.0.0.5]
    console:
      host: 127.0.0.1
      port: 2201
      user: db-01
      auth: password
  - hostname: edge-01
    bmc: { type: ipmi, host: 10.0.0.10, credential: bmc-root }
`;

describe('inventory file schema', () => {
  it('reads nodes with defaults', () => {
    const parsed = parseInventory(GOOD);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.nodes[0]).toMatchObject({ hostname: 'db-01', console: { host: '127.0.0.1', port: 2201, auth: 'password', jump: [] } });
    expect(parsed.nodes[1]!.bmc).toEqual({ type: 'ipmi', host: '10.0.0.10', port: 623, credential: 'bmc-root', cipherSuite: 3 });
  });

  it('names the line and field of a bad port, an unknown field, a bad BMC type and a duplicate hostname', () => {
    const text = `nodes:
  - hostname: a
    console:
      host: gw.example
      port: 70000
      user: a
  - hostname: b
    consol: {}
  - hostname: c
    bmc: { type: snmp, host: x, credential: y }
  - hostname: A
`;
    const parsed = parseInventory(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual(
      expect.arrayContaining([
        { line: 5, field: 'nodes[0].console.port', message: 'must be 1–65535' },
        { line: 8, field: 'nodes[1].consol', message: 'unknown field consol' },
        expect.objectContaining({ line: 10, field: 'nodes[2].bmc.type' }),
      ]),
    );
  });

  it('reports a duplicate hostname (case-insensitive) on the second one', () => {
    const parsed = parseInventory('nodes:\n  - hostname: web\n  - hostname: db\n  - hostname: WEB\n');
    expect(parsed).toEqual({ ok: false, problems: [{ line: 4, field: 'nodes[2].hostname', message: 'WEB is listed twice (first at nodes[0])' }] });
  });

  it('reports YAML syntax errors with their line, and key auth without a key file', () => {
    const broken = parseInventory('nodes:\n  - hostname: a\n    tags: [x\n');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems[0]!.line).toBeGreaterThanOrEqual(3);
    const keyless = parseInventory('nodes:\n  - hostname: a\n    console: { host: h, user: u, auth: key }\n');
    expect(keyless).toMatchObject({ ok: false, problems: [{ line: 3, field: 'nodes[0].console.keyFile', message: expect.stringMatching(/needs keyFile/) }] });
  });
});

describe('inventory provider', () => {
  const setup = async (text: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-inventory-'));
    const file = path.join(dir, 'fleet.yaml');
    await fs.writeFile(file, text);
    const onChange = vi.fn();
    const bmc = vi.fn(() => Promise.reject(new Error('no BMC in this test')));
    const provider = new InventoryProvider({ accountId: 'inv', file, onChange, bmc });
    return { file, provider, onChange, bmc };
  };

  it('reloads on an edit, keeps the last good fleet when an edit breaks it, and says which line', async () => {
    const { file, provider, onChange } = await setup(GOOD);
    provider.watch();
    try {
      expect((await provider.listNodes()).map((n) => n.hostname)).toEqual(['db-01', 'edge-01']);
      await fs.writeFile(file, `${GOOD}  - hostname: web-01\n`);
      await vi.waitFor(() => expect(onChange).toHaveBeenCalled(), { timeout: 5000 });
      expect((await provider.listNodes()).map((n) => n.hostname)).toEqual(['db-01', 'edge-01', 'web-01']);

      // An editor saving by rename (write a temp file, move it over) is seen too.
      onChange.mockClear();
      await fs.writeFile(`${file}.tmp`, GOOD.replace('port: 2201', 'port: many'));
      await fs.rename(`${file}.tmp`, file);
      await vi.waitFor(() => expect(onChange).toHaveBeenCalled(), { timeout: 5000 });
      const error = (await provider.listNodes().catch((e: unknown) => e)) as AppError;
      expect(error.code).toBe('invalid');
      expect(error.message).toMatch(/line 9, nodes\[0\]\.console\.port: must be a port number.*last good version/);
      // Actions keep working on the last good fleet.
      expect((await provider.getNode('web-01')).hostname).toBe('web-01');
    } finally {
      await provider.close();
    }
  });

  it('gives each node the capabilities its entry lists, and the window the reason for the rest', async () => {
    const { provider } = await setup(GOOD);
    const [db, edge] = await provider.listNodes();
    expect(db).toMatchObject({
      provider: 'inventory',
      capabilities: ['serialConsole', 'events'],
      metro: { code: 'am' },
      switchUuid: 'r12',
      sosHost: '127.0.0.1:2201',
      consoleUser: 'db-01',
      state: 'unknown',
    });
    expect(powerActionBlockedReason(db!, 'power_on')).toMatch(/lists no BMC for this node; add a `bmc:` entry/);
    expect(reinstallBlockedReason(db!)).toMatch(/only describes machines/);
    expect(capabilityMissingReason(db!, 'serialConsole')).toBeNull();
    // A BMC that does not answer leaves the node listed (with its capabilities) and records why.
    expect(edge!.capabilities).toEqual(['power', 'bootOverride', 'events']);
    expect(capabilityMissingReason(edge!, 'serialConsole')).toMatch(/lists no `console:`/);
    expect((await provider.nodeEvents('edge-01'))[0]).toMatchObject({ type: 'bmc.error', message: 'no BMC in this test' });
    await expect(provider.reinstall()).rejects.toMatchObject({ code: 'invalid' });
  });

  it('says plainly when the file is missing', async () => {
    const { file, provider } = await setup(GOOD);
    await fs.rm(file);
    await expect(provider.verify()).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/There is no inventory file at/) });
  });

  it('never quotes another file: a shadow file, a settings file and a YAML error say only where and what', async () => {
    const shadow = 'root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n';
    const settings = 'api_token: s3cr3t-value\nendpoint: https://example.test\n';
    const badYaml = 'nodes:\n  - hostname: a\n    password: "hunter2\n';
    for (const text of [shadow, settings, badYaml]) {
      const { provider } = await setup(text);
      const error = await provider.verify().then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).toBeTruthy();
      for (const secret of ['root', '20228', 's3cr3t', 'api_token', 'endpoint', 'hunter2']) expect(error!.message).not.toContain(secret);
    }
    expect(parseInventory(shadow)).toEqual({
      ok: false,
      problems: [{ line: 1, field: '', message: 'this is not an inventory file: it has no top-level nodes list' }],
    });
    expect(parseInventory(badYaml)).toMatchObject({
      ok: false,
      problems: [{ line: expect.any(Number), field: '', message: expect.stringMatching(/^not valid YAML \(.*, column \d+\)$/) }],
    });
  });

  it.skipIf(process.platform === 'win32')('refuses a device as the inventory file at once', async () => {
    const provider = new InventoryProvider({ accountId: 'inv', file: '/dev/zero', onChange: vi.fn(), bmc: vi.fn() });
    await expect(provider.verify()).rejects.toMatchObject({ message: '/dev/zero is a device, not an inventory file.' });
  });
});
