import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, hashHostName, hostName, KnownHosts, patternsMatch } from './known-hosts';
import { generateSshKeyPair } from '../../lab/lab-keys';

const keyBlob = () => {
  const pub = generateSshKeyPair().public;
  return { line: pub.split(' ').slice(0, 2).join(' '), blob: Buffer.from(pub.split(' ')[1]!, 'base64') };
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ironpane-kh-'));
const sshKeygen = ['/usr/bin/ssh-keygen', '/usr/local/bin/ssh-keygen'].find(existsSync);

describe('known_hosts', () => {
  it('files hosts as OpenSSH does: plain for port 22, [host]:port otherwise', () => {
    expect(hostName('Gateway.Example', 22)).toBe('gateway.example');
    expect(hostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('matches plain, wildcard, negated and hashed patterns', () => {
    expect(patternsMatch('a.example,b.example', 'b.example')).toBe(true);
    expect(patternsMatch('*.sos.example', 'dc13.sos.example')).toBe(true);
    expect(patternsMatch('*.sos.example,!evil.sos.example', 'evil.sos.example')).toBe(false);
    expect(patternsMatch('sos?.example', 'sos1.example')).toBe(true);
    expect(patternsMatch(hashHostName('[127.0.0.1]:2222'), '[127.0.0.1]:2222')).toBe(true);
    expect(patternsMatch(hashHostName('[127.0.0.1]:2222'), '127.0.0.1')).toBe(false);
  });

  it('says match, unknown or changed, and treats @revoked keys as refused', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const a = keyBlob();
    const b = keyBlob();
    const c = keyBlob();
    writeFileSync(file, `# comment\n[gw.example]:2222 ${a.line}\n@revoked * ${c.line}\n`);
    const known = new KnownHosts(file);
    expect(await known.check('gw.example', 2222, 'ssh-ed25519', a.blob)).toEqual({ kind: 'match' });
    expect(await known.check('gw.example', 22, 'ssh-ed25519', a.blob)).toEqual({ kind: 'unknown' });
    expect(await known.check('gw.example', 2222, 'ssh-ed25519', b.blob)).toEqual({
      kind: 'changed',
      knownFingerprint: fingerprint(a.blob),
      line: 2,
      revoked: false,
    });
    expect(await known.check('other.example', 22, 'ssh-ed25519', c.blob)).toMatchObject({ kind: 'changed', revoked: true });
    // A different key type for the same host is not a conflict (hosts have several keys).
    expect(await known.check('gw.example', 2222, 'ssh-rsa', b.blob)).toEqual({ kind: 'unknown' });
  });

  it('adds hashed entries that it and OpenSSH both find', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const key = keyBlob();
    const known = new KnownHosts(file);
    await known.add('127.0.0.1', 2230, 'ssh-ed25519', key.blob);
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    expect(readFileSync(file, 'utf8')).not.toContain('127.0.0.1');
    expect(await known.check('127.0.0.1', 2230, 'ssh-ed25519', key.blob)).toEqual({ kind: 'match' });
    if (sshKeygen) expect(execFileSync(sshKeygen, ['-F', '[127.0.0.1]:2230', '-f', file]).toString()).toContain('ssh-ed25519');
  });

  it.runIf(Boolean(sshKeygen))('reads entries hashed by ssh-keygen -H', async () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const key = keyBlob();
    writeFileSync(file, `[10.0.0.5]:2222 ${key.line}\nsos.dc13.example ${key.line}\n`);
    execFileSync(sshKeygen!, ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).not.toContain('sos.dc13.example');
    const known = new KnownHosts(file);
    expect(await known.check('10.0.0.5', 2222, 'ssh-ed25519', key.blob)).toEqual({ kind: 'match' });
    expect(await known.check('sos.dc13.example', 22, 'ssh-ed25519', key.blob)).toEqual({ kind: 'match' });
    expect(await known.check('10.0.0.5', 22, 'ssh-ed25519', key.blob)).toEqual({ kind: 'unknown' });
  });

  it('prints fingerprints as ssh-keygen -l does', () => {
    const { blob, line } = keyBlob();
    if (!sshKeygen) return expect(fingerprint(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const dir = tmp();
    writeFileSync(path.join(dir, 'k.pub'), `${line}\n`);
    expect(execFileSync(sshKeygen, ['-l', '-f', path.join(dir, 'k.pub')]).toString()).toContain(fingerprint(blob));
  });
});
