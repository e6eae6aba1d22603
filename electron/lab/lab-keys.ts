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

export interface SshKeyPair {
  private: string;
  public: string;
}

/** Both halves parse: the only keys worth keeping. */
function usable(pair: SshKeyPair): boolean {
  return !(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error);
}

/**
 * An ed25519 key pair that ssh2 can read back. ssh2 1.17.0's keygen strips leading zero bytes from
 * the public key, so about 1 pair in 256 does not parse (https://github.com/mscdex/ssh2/issues/1513);
 * such a pair is thrown away and another made.
 */
export function generateSshKeyPair(comment?: string): SshKeyPair {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', comment ? { comment } : undefined);
    if (usable(pair)) return pair;
  }
  throw new Error('Could not generate an ed25519 key pair that ssh2 can parse.');
}

async function keyPair(secrets: SecretStore, name: string): Promise<SshKeyPair> {
  const stored = await secrets.get(name);
  if (stored) {
    const pair = JSON.parse(stored) as SshKeyPair;
    // A pair stored by an earlier version may be one of the unparseable ones: replace it.
    if (usable(pair)) return pair;
  }
  const pair = generateSshKeyPair(`ironpane-${name.replace('/', '-')}`);
  await secrets.set(name, JSON.stringify(pair));
  return pair;
}

export async function ensureLabKeys(secrets: SecretStore): Promise<LabKeys> {
  const user = await keyPair(secrets, 'lab/user-key');
  const host = await keyPair(secrets, 'lab/gateway-host-key');
  return { userPrivateKey: user.private, userPublicKey: user.public, hostPrivateKey: host.private };
}
