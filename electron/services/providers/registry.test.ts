/**
 * A provider is a folder and a registry line: a kind that exists only in this test is added through
 * the contract, its settings checked by its own rules, its secret kept in the vault only, its nodes
 * in the fleet with its own why-not texts, and its console found through its own descriptor.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capabilityMissingReason } from '../../../shared/capabilities';
import { AppError } from '../../../shared/errors';
import type { FleetNode } from '../../../shared/model';
import { composeServices, type Services } from '../compose';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../vault/encrypted-file-store';
import type { ProviderDescriptor } from './descriptor';
import type { FleetProvider } from './provider';
import { PROVIDERS, ProviderRegistry } from './registry';
import { databaseBytes, storedConnections } from '../../../test/support/stored-connections';

const quietLog = { info() {}, warn() {}, error() {} };

/** Toy racks: `count` machines that answer only to the right key. */
const toy: ProviderDescriptor = {
  info: {
    kind: 'toy',
    label: 'Toy rack',
    title: 'Add a toy rack',
    intro: 'Machines that exist only in this test.',
    addable: true,
    fields: [
      {
        key: 'count',
        label: 'Machines',
        type: 'number',
        initial: '3',
        min: 1,
        max: 50,
        required: 'Say how many machines.',
        rangeMessage: 'Machines is a whole number from 1 to 50.',
      },
      { key: 'key', label: 'Rack key', type: 'password', secret: true, required: 'Enter the rack key.' },
    ],
    capabilities: ['power', 'serialConsole'],
    whyNot: { reinstall: 'A toy rack cannot reinstall anything; it has no disks.' },
  },
  address: (s) => `toy://${s.count}`,
  create: ({ id, settings, secrets }): FleetProvider => {
    const node = (i: number): FleetNode => ({
      id: `${id}:toy-${i}`,
      accountId: id,
      deviceId: `toy-${i}`,
      shortId: `toy-${i}`,
      hostname: `toy-${i}`,
      description: '',
      state: 'active',
      provisioningPercentage: null,
      metro: null,
      facility: null,
      plan: null,
      os: { slug: 'toy', name: 'Toy OS', version: '1', family: 'other', channel: null },
      osState: null,
      ips: [],
      tags: ['toy'],
      layer2Only: false,
      networkType: null,
      switchUuid: null,
      vlans: [],
      sosHost: null,
      actions: [],
      provider: 'toy',
      capabilities: ['power', 'serialConsole'],
      hardware: null,
      bootOverride: null,
      createdAt: '',
      updatedAt: '2026-12-07T00:00:00Z',
    });
    const nodes = Array.from({ length: Number(settings.count) }, (_, i) => node(i + 1));
    const refuse = () => Promise.reject(new AppError('invalid', 'not in a toy rack', { retryable: false }));
    return {
      verify: async () => {
        if (secrets.key !== 'open sesame') throw new AppError('auth', 'The toy rack refused the key.', { retryable: false });
        return { projectName: 'toys' };
      },
      listNodes: async () => nodes,
      getNode: async (deviceId) => nodes.find((n) => n.deviceId === deviceId)!,
      nodeEvents: async () => [],
      power: async () => undefined,
      userdata: refuse,
      setUserdata: refuse,
      operatingSystems: async () => [],
      reinstall: refuse,
    };
  },
  console: async ({ perHop }, node) => ({
    target: { host: '127.0.0.1', port: 2222, username: node.deviceId, ...perHop, jump: [] },
    credentials: { privateKeys: [] },
  }),
};

let services: Services | null = null;

/** The services as a host composes them, on this data folder (and these kinds, when given). */
async function compose(dataDir: string, providers?: ProviderRegistry): Promise<Services> {
  return composeServices({
    host: { kind: 'web', version: 'test', nativeDialogs: false },
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 'secrets.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key'))),
    log: quietLog,
    pollIntervalMs: 3_600_000,
    providers,
  });
}
afterEach(() => {
  services?.stop();
  services = null;
});

describe('providers as plugins', () => {
  it('adds a kind registered only here: checked by its own rules, secret in the vault, nodes in the fleet', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-plugin-'));
    services = await compose(dataDir, new ProviderRegistry([...PROVIDERS, toy]));
    await services.start();
    const { router } = services;

    // The window learns the kind, its form and its words from main.
    const kinds = await router.call('connections.kinds', {});
    expect(kinds).toMatchObject({
      ok: true,
      value: expect.arrayContaining([
        expect.objectContaining({
          kind: 'toy',
          title: 'Add a toy rack',
          fields: [expect.objectContaining({ key: 'count' }), expect.objectContaining({ key: 'key', secret: true })],
        }),
      ]),
    });

    // Its own rules, naming its own field.
    expect(await router.call('connections.add', { kind: 'toy', name: 'Toys', settings: { count: '99', key: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: 'Machines: Machines is a whole number from 1 to 50.', detail: 'count' },
    });
    expect(await router.call('connections.add', { kind: 'toy', name: 'Toys', settings: { count: '2', key: 'x', colour: 'red' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: 'Toy rack has no setting “colour”.' },
    });
    expect(await router.call('connections.add', { kind: 'nope', name: 'Toys', settings: {} })).toMatchObject({
      ok: false,
      error: {
        code: 'invalid',
        message: expect.stringMatching(/^Kind: “nope” is not a kind of connection Ironpane can add \(metal, inventory, redfish, ipmi, ironic, toy\)/),
      },
    });
    // Its provider proves the connection before anything is kept.
    expect(await router.call('connections.add', { kind: 'toy', name: 'Toys', settings: { count: '2', key: 'wrong' } })).toMatchObject({
      ok: false,
      error: { code: 'auth' },
    });

    const added = await router.call('connections.add', { kind: 'toy', name: 'Toys', settings: { count: '2', key: 'open sesame' } });
    expect(added).toMatchObject({
      ok: true,
      value: { kind: 'toy', name: 'Toys', baseUrl: 'toy://2', capabilities: ['power', 'serialConsole'], hasCredential: true },
    });
    expect(storedConnections(dataDir, 'provider')).toMatchObject([{ kind: 'toy', name: 'Toys', settings: { count: 2 } }]);
    expect(databaseBytes(dataDir)).not.toContain('open sesame');
    expect(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain('open sesame');

    await services.fleet.refresh();
    const nodes = services.fleet.snapshot().nodes.filter((n) => n.provider === 'toy');
    expect(nodes.map((n) => n.hostname)).toEqual(['toy-1', 'toy-2']);
    // Its own why-not words, through the shared rule every screen uses.
    expect(capabilityMissingReason(nodes[0]!, 'reinstall')).toBe('A toy rack cannot reinstall anything; it has no disks.');
    expect(capabilityMissingReason(nodes[0]!, 'bootOverride')).toBe('Its connection cannot set the boot device.');
    // Its console, found by its own descriptor, with the connection's console settings applied.
    const accountId = (added as { value: { id: string } }).value.id;
    const endpoint = await services.connections.consoleEndpoint(accountId, nodes[0]!);
    expect(endpoint.target).toMatchObject({ host: '127.0.0.1', port: 2222, username: 'toy-1', keepaliveIntervalMs: 15_000 });
  });

  it('reads accounts.json as it was before providers were plugins, once, keeping every connection', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-plugin-old-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path.join(dataDir, 'accounts.json'),
      JSON.stringify([
        { id: 'a1', name: 'Prod', kind: 'metal', baseUrl: 'https://api.example/metal/v1', projectId: 'p1' },
        { id: 'a2', name: 'BMC', kind: 'redfish', baseUrl: 'https://10.0.0.9', username: 'root', auth: 'session', fingerprint: 'AB:CD' },
        { id: 'a3', name: 'db-01 BMC', kind: 'ipmi', host: '10.0.0.10', port: 623, username: 'admin', cipherSuite: 3, hostname: 'db-01' },
      ]),
    );
    services = await compose(dataDir);
    await services.connections.load();
    expect(services.connections.list().map((a) => [a.kind, a.name, a.baseUrl, a.projectId])).toEqual([
      ['metal', 'Prod', 'https://api.example/metal/v1', 'p1'],
      ['redfish', 'BMC', 'https://10.0.0.9', ''],
      ['ipmi', 'db-01 BMC', '10.0.0.10:623', ''],
    ]);
    // Imported once into the database; the file is kept beside it as a backup and never read again.
    const { readdirSync, existsSync } = await import('node:fs');
    expect(existsSync(path.join(dataDir, 'accounts.json'))).toBe(false);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('accounts.json.migrated-'))).toHaveLength(1);
    expect(storedConnections(dataDir, 'provider').map((c) => c.id)).toEqual(['a1', 'a2', 'a3']);
    expect(storedConnections(dataDir, 'provider')[1]!.settings).toMatchObject({ certificateFingerprint: 'AB:CD' });
    services.stop();
    services = await compose(dataDir);
    await services.connections.load();
    expect(services.connections.list()).toHaveLength(3);
  });
});
