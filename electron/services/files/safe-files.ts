/**
 * Files main reads because a user or another file named them (a key file, an inventory, a schema
 * source), and files main writes that must survive a crash. See docs/architecture.md#what-ironpane-trusts.
 *
 * Reading: the path is opened without blocking (`O_NONBLOCK`: opening a FIFO for reading returns at
 * once instead of waiting for a writer, which held one of Node's four file-pool threads per FIFO until
 * vault writes and config saves hung), then the open handle (not the path, which could be swapped)
 * must be a regular file under the size cap. `/dev/zero` as a key file took main from 819 MiB to
 * 9.4 GB before this. Errors name the path and why, and never quote the file.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/limits';

export interface UntrustedFileOptions {
  /** What the file is to the user, for messages: "key file", "inventory file", "schema file". */
  what: string;
  maxBytes: number;
}

/** Reads a user-named file as bytes: regular files only, under `maxBytes`, opened without blocking. */
export async function readUntrustedFile(file: string, options: UntrustedFileOptions): Promise<Buffer> {
  if (!path.isAbsolute(file)) throw new AppError('invalid', `The ${options.what} path must be absolute; “${file}” is not.`, { retryable: false });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (cause) {
    throw openError(file, options.what, cause as NodeJS.ErrnoException);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new AppError('invalid', `${file} is ${kindOf(stat)}, not ${an(options.what)}.`, { retryable: false });
    if (stat.size > options.maxBytes) {
      throw new AppError('invalid', `${file} is ${formatBytes(stat.size)}; ${an(options.what)} may be at most ${formatBytes(options.maxBytes)}.`, {
        retryable: false,
      });
    }
    // One byte more than the size said: a file that grows while being read is caught, not read for ever.
    const buffer = Buffer.alloc(stat.size + 1);
    let read = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      if (read > stat.size) throw new AppError('invalid', `${file} grew while Ironpane read it; try again once it is written.`);
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export async function readUntrustedText(file: string, options: UntrustedFileOptions): Promise<string> {
  return (await readUntrustedFile(file, options)).toString('utf8');
}

const an = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openError(file: string, what: string, cause: NodeJS.ErrnoException): AppError {
  switch (cause.code) {
    case 'ENOENT':
      return new AppError('not_found', `There is no ${what} at ${file}.`, { retryable: false, cause });
    case 'EACCES':
    case 'EPERM':
      return new AppError('auth', `Ironpane may not read ${file}; check its permissions.`, { retryable: false, cause });
    case 'ENXIO':
      return new AppError('invalid', `${file} is a socket, not ${an(what)}.`, { retryable: false, cause });
    case 'EISDIR':
      return new AppError('invalid', `${file} is a folder, not ${an(what)}.`, { retryable: false, cause });
    default:
      return new AppError('invalid', `Ironpane could not open the ${what} ${file} (${cause.code ?? cause.message}).`, { retryable: false, cause });
  }
}

/**
 * Write, fsync, then rename over the old file, then fsync the folder: a crash or power loss leaves
 * either the old file or the new one, never half of one (rename(2) is atomic within a file system).
 */
export async function writeFileAtomic(file: string, body: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(body);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.rename(temp, file);
  // The rename itself is durable only once the folder is synced (not possible on Windows).
  if (process.platform !== 'win32') {
    const folder = await fs.open(dir, 'r').catch(() => null);
    await folder?.sync().catch(() => undefined);
    await folder?.close().catch(() => undefined);
  }
}
