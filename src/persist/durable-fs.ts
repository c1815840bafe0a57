/** What the state file, the history and the notification journal share to write durably. */
import { open, type FileHandle } from 'node:fs/promises';

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
