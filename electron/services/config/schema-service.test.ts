/**
 * Upstream schemas through a loopback mirror of the reference folder (skipped, saying so, without
 * it): good and bad documents per kind with exact positions, a fetch that fails, a source that is not
 * a schema, and the cache that survives a restart with the mirror gone.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostilePeer, rssMiB, sendJson, streamHugeJson } from '../../../test/support/hostile-peer';
import {
  schemaReferenceAvailable,
  SCHEMA_REFERENCE_DIR,
  startSchemaMirror,
  UNREACHABLE_SCHEMA_SOURCES,
  type SchemaMirror,
} from '../../../test/fakes/schema-mirror';
import { SchemaService } from './schema-service';

const quiet = { info() {}, warn() {}, error() {} };
const title = schemaReferenceAvailable ? 'schema service' : `schema service — SKIPPED: ${SCHEMA_REFERENCE_DIR} is absent`;

describe("Butane completion and hover (from the translator's field table, no schema to fetch)", () => {
  const service = new SchemaService({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'ironpane-butane-hints-')), log: quiet });
  it('offers the keys that belong where the cursor is, with their type and meaning', async () => {
    const doc = 'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/motd\n      \n';
    const keys = await service.complete('butane', doc, doc.length - 1);
    expect(keys.map((k) => k.label)).toEqual(expect.arrayContaining(['contents', 'mode', 'overwrite', 'user', 'append']));
    expect(keys.map((k) => k.label)).not.toContain('path'); // already there
    expect(keys.find((k) => k.label === 'mode')).toMatchObject({ detail: 'integer', info: expect.stringMatching(/octal/) });
    const top = 'variant: flatcar\nversion: 1.1.0\nsys\n';
    expect((await service.complete('butane', top, top.length - 1)).map((k) => k.label)).toEqual(
      expect.arrayContaining(['systemd', 'passwd', 'storage', 'kernel_arguments']),
    );
  });
  it('explains the key under the pointer', async () => {
    const doc = 'variant: flatcar\nversion: 1.1.0\nsystemd:\n  units:\n    - name: app.service\n      enabled: true\n';
    expect(await service.hover('butane', doc, doc.indexOf('enabled') + 2)).toMatchObject({
      key: 'enabled',
      text: expect.stringMatching(/^enabled \(boolean\)\n\nWhether the unit is enabled/),
    });
    expect(await service.hover('butane', doc, doc.indexOf('app.service') + 2)).toBeNull(); // a value, not a key
  });
});

describe.skipIf(!schemaReferenceAvailable)(title, () => {
  let mirror: SchemaMirror;
  let dataDir: string;
  let service: SchemaService;
  beforeAll(async () => {
    mirror = await startSchemaMirror();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-schemas-'));
    service = new SchemaService({ dataDir, log: quiet, sources: mirror.sources });
    await service.load();
  });
  afterAll(() => mirror?.close());

  it('accepts a good Talos config and flags an unknown field on its key, per document', async () => {
    const good =
      'version: v1alpha1\nmachine:\n  type: worker\n  install:\n    disk: /dev/sda\ncluster:\n  controlPlane:\n    endpoint: https://10.0.0.1:6443\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: w1\n';
    expect(await service.check('talos', good)).toEqual([]);
    const bad = good.replace('  type: worker\n', '  type: worker\n  instal:\n    disk: /dev/sdb\n').replace('hostname: w1', 'hostname: w1\nhostnme: typo');
    const problems = await service.check('talos', bad);
    expect(problems.map((d) => [d.line, d.column, d.message])).toEqual([
      [4, 3, 'unknown field “instal”'],
      [15, 1, 'unknown field “hostnme”'],
    ]);
    const wrongType = await service.check('talos', good.replace('disk: /dev/sda', 'disk: 3'));
    expect(wrongType[0]).toMatchObject({ line: 5, message: 'disk must be string, not number', path: 'machine.install.disk' });
    expect((await service.check('talos', 'apiVersion: v1alpha1\nkind: NoSuchConfig\n'))[0]!.message).toMatch(/no document kind “NoSuchConfig”/);
  });

  it('checks Ignition and cloud-config against their schemas', async () => {
    const ignition = await service.check('ignition', '{\n  "ignition": { "version": "3.4.0" },\n  "storage": { "files": [{ "path": 7 }] }\n}\n');
    expect(ignition[0]).toMatchObject({ line: 3, message: 'path must be string, not number' });
    expect(await service.check('cloud-config', '#cloud-config\nhostname: a\npackages: [chrony]\n')).toEqual([]);
    const cloud = await service.check('cloud-config', '#cloud-config\nhostname: a\npackages: chrony\nbogus_key: 1\n');
    expect(cloud.map((d) => d.message)).toEqual(expect.arrayContaining(['packages must be array, not string', 'unknown field “bogus_key”']));
    expect(service.status().every((s) => s.fetchedAt !== null && s.problem === null)).toBe(true);
  });

  it('completes keys and explains them from the schema, for the document kind under the cursor', async () => {
    const talos = 'version: v1alpha1\nmachine:\n  type: worker\n  \ncluster: {}\n';
    const offset = talos.indexOf('  \ncluster') + 2;
    const keys = await service.complete('talos', talos, offset);
    expect(keys.map((k) => k.label)).toEqual(expect.arrayContaining(['install', 'kubelet', 'sysctls']));
    expect(keys.map((k) => k.label)).not.toContain('type'); // already there
    expect(keys.find((k) => k.label === 'install')!.info.length).toBeGreaterThan(10);
    const hover = await service.hover('talos', talos, talos.indexOf('type') + 1);
    expect(hover).toMatchObject({ key: 'type', from: talos.indexOf('type'), text: expect.stringMatching(/^type[\s\S]*\n\n/) });
    const second = 'version: v1alpha1\n---\napiVersion: v1alpha1\nkind: HostnameConfig\n';
    expect((await service.complete('talos', second, second.length)).map((k) => k.label)).toEqual(expect.arrayContaining(['hostname', 'auto']));
    const cloud = '#cloud-config\npack\n';
    const cloudKeys = await service.complete('cloud-config', cloud, cloud.indexOf('pack') + 4);
    expect(cloudKeys.map((k) => k.label)).toEqual(expect.arrayContaining(['packages', 'package_update']));
    // cloud-init's root lists each key as an empty placeholder; the module that describes it still speaks.
    expect(cloudKeys.find((k) => k.label === 'package_update')).toMatchObject({ detail: 'boolean', info: expect.stringMatching(/update packages/i) });
    const cloudDoc = '#cloud-config\npackages:\n  - vim\n';
    expect(await service.hover('cloud-config', cloudDoc, cloudDoc.indexOf('packages') + 2)).toMatchObject({
      key: 'packages',
      text: expect.stringMatching(/^packages \(array\)\n\n/),
    });
  });

  it('checks Talos against the schema of the release a profile names', async () => {
    const doc = 'version: v1alpha1\nmachine:\n  typo: 1\n';
    expect((await service.check('talos', doc, '1.13.9'))[0]).toMatchObject({ severity: 'error', message: 'unknown field “typo”' });
    const [missing] = await service.check('talos', doc, '1.99.0');
    expect(missing).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/^No Talos 1\.99\.0 schema yet \(.*v1\.99\.0\/config\.schema\.json answered 404/),
    });
  });

  it('warns about fields the schema calls deprecated, on the key', async () => {
    const talos = 'version: v1alpha1\nmachine:\n  type: worker\ncluster:\n  discovery:\n    registries:\n      kubernetes:\n        disabled: true\n';
    const problems = await service.check('talos', talos);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        line: 7,
        column: 7,
        message: expect.stringMatching(/^kubernetes is deprecated: This feature is deprecated as it is not compatible with Kubernetes 1\.32\+/),
      }),
    ]);
  });

  it('says plainly when a schema cannot be fetched, and refuses a source that is not a schema', async () => {
    const offline = new SchemaService({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'ironpane-schemas-')), log: quiet, sources: UNREACHABLE_SCHEMA_SOURCES });
    const [warning] = await offline.check('talos', 'version: v1alpha1\n');
    expect(warning).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(
        /^No Talos 1\.13\.9 schema yet \(Could not fetch the Talos schema from http:\/\/127\.0\.0\.1:9\/talos\.json.*only the syntax was checked/,
      ),
    });
    const notSchema = path.join(mkdtempSync(path.join(os.tmpdir(), 'ironpane-not-schema-')), 'x.json');
    writeFileSync(notSchema, JSON.stringify({ hello: 'world' }));
    await expect(service.setSource('talos', notSchema)).rejects.toThrow(/is JSON but not a JSON Schema/);
    await expect(service.setSource('talos', 'ftp://example.com/s.json')).rejects.toThrow(/https:\/\/ \(or http:\/\/\) URL or an absolute file path/);
    expect(service.status().find((s) => s.kind === 'talos')!.source).toBe(mirror.sources.talos);
  });

  it('takes only a JSON Schema document: not any JSON with properties, not a device, not a 1.5 GB mirror answer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-not-schema-'));
    // A local JSON file with `properties` used to be taken, and its names and descriptions shown in completion.
    const settings = path.join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ type: 'object', properties: { apiToken: { description: 's3cr3t' } } }));
    await expect(service.setSource('talos', settings)).rejects.toThrow(/is JSON but not a JSON Schema document: it must name its draft in \$schema/);
    if (process.platform !== 'win32') await expect(service.setSource('talos', '/dev/zero')).rejects.toThrow('/dev/zero is a device, not a Talos schema file.');
    const huge = await hostilePeer((_req, res) => streamHugeJson(res, 1536 * 1024 * 1024));
    const errorPage = await hostilePeer((_req, res) => sendJson(res, 500, { secret: 'do-not-quote-me' }));
    try {
      const before = rssMiB();
      await expect(service.setSource('talos', `${huge.url}/schema.json`)).rejects.toThrow(/sent more than 10 MiB in answer to GET \/schema\.json/);
      expect(rssMiB() - before).toBeLessThan(100);
      const failed = await service.setSource('talos', `${errorPage.url}/schema.json`).catch((e: Error) => e);
      expect((failed as Error).message).toMatch(/answered 500 for the Talos schema/);
      expect((failed as Error).message).not.toContain('do-not-quote-me');
    } finally {
      await huge.close();
      await errorPage.close();
    }
    expect(service.status().find((s) => s.kind === 'talos')!.source).toBe(mirror.sources.talos);
  });

  it('keeps the fetched schemas in the data folder: a restart with the mirror gone still checks', async () => {
    await mirror.close();
    const again = new SchemaService({ dataDir, log: quiet, sources: mirror.sources });
    await again.load();
    expect((await again.check('talos', 'version: v1alpha1\nmachine:\n  typo: 1\n'))[0]).toMatchObject({ message: 'unknown field “typo”' });
    mirror = await startSchemaMirror();
  });
});
