/**
 * The upstream schemas served on loopback, as an air-gapped site's mirror would: the reference
 * folder CI places beside the checkout, served read-only. Tests use it so nothing leaves 127.0.0.1.
 */
import { existsSync, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_REFERENCE_DIR = fileURLToPath(new URL('../../../shared/reference/schemas/', import.meta.url));
export const schemaReferenceAvailable = existsSync(path.join(SCHEMA_REFERENCE_DIR, 'talos/v1.13.9/config.schema.json'));

export interface SchemaMirror {
  url: string;
  sources: { ignition: string; talos: string; 'cloud-config': string };
  close(): Promise<void>;
}

export async function startSchemaMirror(): Promise<SchemaMirror> {
  const server = createServer((req, res) => {
    const relative = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const file = path.resolve(SCHEMA_REFERENCE_DIR, relative);
    if (!file.startsWith(SCHEMA_REFERENCE_DIR)) return void res.writeHead(404).end();
    fs.readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sources: {
      ignition: `${url}/ignition/ignition.json`,
      talos: `${url}/talos/v{version}/config.schema.json`,
      'cloud-config': `${url}/cloud-init/schema-cloud-config-v1.json`,
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sources that fail at once on loopback: for tests that must never reach the real upstream. */
export const UNREACHABLE_SCHEMA_SOURCES = {
  ignition: 'http://127.0.0.1:9/ignition.json',
  talos: 'http://127.0.0.1:9/talos.json',
  'cloud-config': 'http://127.0.0.1:9/cloud-config.json',
};
