/** What the state file, the history and the notification journal share to write durably. */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A file-system error's code (ENOENT…), or its message: never a path's contents. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/** Make a rename durable; some file systems refuse fsync on a directory, which is not a failure. */
export async function syncDir(dir: string): Promise<void> {
  let d: FileHandle | undefined;
  try {
    d = await open(dir, 'r');
    await d.sync();
  } catch (err) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP'].includes(errorCode(err))) throw err;
  } finally {
    await d?.close();
  }
}

/** Replace `dir/name` with text as one step (temporary file, fsync, rename, fsync the directory): a crash leaves the old or the new file. */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  const path = join(dir, name);
  const tmp = `${path}.tmp-${process.pid}-${tmpSeq++}`;
  await mkdir(dir, { recursive: true });
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}
let tmpSeq = 0;
