/**
 * Who this console acts as. The operator is a configured name (`IRONPANE_OPERATOR`) or, by default,
 * the OS user at the host; the console is the host name with a short id kept in the data folder, so
 * two consoles on one host (two data folders) are told apart in a team's audit log.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeFileSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OperatorIdentity } from './audit-log';

const CONSOLE_ID_FILE = 'console-id';
const CONSOLE_ID = /^[0-9a-f]{6}$/;
/** What may stand in an operator name: letters, digits and . _ @ - + and spaces, at most 64. */
const OPERATOR_NAME = /^[\p{L}\p{N}._@+\- ]{1,64}$/u;

export function operatorIdentity(dataDir: string, configured?: string): OperatorIdentity {
  const host = safeHostname();
  const name = configured?.trim();
  const actor = name && OPERATOR_NAME.test(name) ? name : `${safeUsername()}@${host}`;
  return { actor, console: `${host}/${consoleId(dataDir)}` };
}

function consoleId(dataDir: string): string {
  const file = path.join(dataDir, CONSOLE_ID_FILE);
  const existing = readSmallRegularFile(file);
  if (existing && CONSOLE_ID.test(existing.trim())) return existing.trim();
  const id = randomBytes(3).toString('hex');
  try {
    writeFileSync(file, `${id}\n`, { mode: 0o600 });
  } catch {
    // A read-only folder: the id holds for this run only.
  }
  return id;
}

/** A short regular file's text, or null (absent, not a regular file, or over 64 bytes). */
function readSmallRegularFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 64) return null;
    const buffer = Buffer.alloc(64);
    return buffer.subarray(0, readSync(fd, buffer, 0, 64, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function safeHostname(): string {
  const host = os.hostname().split('.')[0] ?? '';
  return /^[A-Za-z0-9-]{1,63}$/.test(host) ? host : 'localhost';
}
