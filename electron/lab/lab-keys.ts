/**
 * The lab's SSH keys, created on first run and kept in the vault: the user key Ironpane logs in to
 * the lab's serial gateway with, and the gateway's host key (stable across launches, so the
 * known_hosts entry made on first connect keeps matching).
 */
import ssh2 from 'ssh2';

const { utils } = ssh2;
import type { SecretStore } from '../services/ports';

export interface LabKeys {
  userPrivateKey: string;
  userPublicKey: string;
  hostPrivateKey: string;
}

async function keyPair(secrets: SecretStore, name: string): Promise<{ private: string; public: string }> {
  const stored = await secrets.get(name);
  if (stored) return JSON.parse(stored) as { private: string; public: string };
  const pair = utils.generateKeyPairSync('ed25519', { comment: `ironpane-${name.replace('/', '-')}` });
  await secrets.set(name, JSON.stringify(pair));
  return pair;
}

export async function ensureLabKeys(secrets: SecretStore): Promise<LabKeys> {
  const user = await keyPair(secrets, 'lab/user-key');
  const host = await keyPair(secrets, 'lab/gateway-host-key');
  return { userPrivateKey: user.private, userPublicKey: user.public, hostPrivateKey: host.private };
}
