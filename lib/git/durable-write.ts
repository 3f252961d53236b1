// Crash-safe file writes: a temporary name beside the target, flushed, then renamed into place,
// so a crash leaves either no file or a complete one, never a torn one.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

export async function writeFileDurably(path: string, bytes: Uint8Array, mode = 0o444): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
