/**
 * Writing the config file so that a crash, a full disk or a concurrent
 * reader never sees half a file: write a temporary file in the same
 * directory, fsync it, rename it over the original (atomic on POSIX), then
 * fsync the directory so the rename itself is durable.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

async function writeDurably(target: string, text: string, mode: number): Promise<void> {
  // Same directory as the target: rename() is only atomic within one filesystem.
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems (and Windows) refuse fsync on a directory; the rename already happened.
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` with `text`, keeping `previous` (the content that was
 * validated against) as `<file>.bak`. The file keeps its permission bits:
 * a config readable only by its owner must not become world-readable.
 */
export async function replaceFileKeepingBackup(file: string, text: string, previous: string): Promise<void> {
  const mode = (await stat(file).then((st) => st.mode & 0o777, () => 0o600)) || 0o600;
  await writeDurably(`${file}.bak`, previous, mode);
  await writeDurably(file, text, mode);
  await syncDirectory(dirname(file));
}
