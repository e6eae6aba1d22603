/**
 * An OpenSSH known_hosts file: plain and hashed (`|1|salt|hmac`) host patterns, `[host]:port` for
 * ports other than 22, comma-separated patterns, `*`/`?` wildcards, negation, and the
 * `@revoked` / `@cert-authority` markers (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"; hashing per
 * OpenSSH hostfile.c: HMAC-SHA1 keyed with the salt over the host pattern).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  /** The host is known with a different key of the same type, or this key is revoked. */
  | { kind: 'changed'; knownFingerprint: string; line: number; revoked: boolean };

interface Entry {
  line: number;
  marker: '' | '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  keyBase64: string;
}

/** `SHA256:` + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -lf` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The name a host is filed under: `host` for port 22, `[host]:port` otherwise. */
export function hostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** Does a comma-separated pattern list cover this host name? A negated match (`!pat`) vetoes. */
export function patternsMatch(patterns: string, name: string): boolean {
  let matched = false;
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const hit = pattern.startsWith('|1|') ? hashedMatches(pattern, name) : globToRegExp(pattern).test(name);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

export function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: Entry['marker'] = '';
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as Entry['marker'];
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) return;
    entries.push({ line: index + 1, marker, patterns, keyType, keyBase64 });
  });
  return entries;
}

export function hashHostName(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

export class KnownHosts {
  constructor(readonly file: string) {}

  private async read(): Promise<string> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw cause;
    }
  }

  async check(host: string, port: number, keyType: string, keyBlob: Buffer): Promise<HostKeyVerdict> {
    const name = hostName(host, port);
    const presented = keyBlob.toString('base64');
    let conflict: HostKeyVerdict | null = null;
    for (const entry of parseKnownHosts(await this.read())) {
      if (entry.marker === '@cert-authority' || !patternsMatch(entry.patterns, name)) continue;
      if (entry.marker === '@revoked') {
        if (entry.keyBase64 === presented) return { kind: 'changed', knownFingerprint: fingerprint(keyBlob), line: entry.line, revoked: true };
        continue;
      }
      if (entry.keyType === keyType && entry.keyBase64 === presented) return { kind: 'match' };
      // Same host, same key type, different key: the classic "REMOTE HOST IDENTIFICATION HAS CHANGED".
      if (entry.keyType === keyType && !conflict) {
        conflict = { kind: 'changed', knownFingerprint: fingerprint(Buffer.from(entry.keyBase64, 'base64')), line: entry.line, revoked: false };
      }
    }
    return conflict ?? { kind: 'unknown' };
  }

  /** Appends a hashed entry (as `HashKnownHosts yes` would), creating the file 0600. */
  async add(host: string, port: number, keyType: string, keyBlob: Buffer): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const current = await this.read();
    const prefix = current && !current.endsWith('\n') ? '\n' : '';
    await fs.appendFile(this.file, `${prefix}${hashHostName(hostName(host, port))} ${keyType} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
  }
}
