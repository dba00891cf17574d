import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FSYNC, syncCreatedDirectories, writeFileSynced, type Durability } from './durableFiles.js';

/**
 * Writes `bytes` to `path` so that readers see either the old file or the complete new one, and so that once it
 * resolves the file survives a power cut: the data goes to a temp file in `tempDir` (same file system), is fsynced,
 * renamed over `path`, and then `path`'s directory (and any it had to create) is fsynced.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, tempDir: string, durability: Durability = FSYNC): Promise<void> {
  await mkdir(tempDir, { recursive: true });
  const temp = join(tempDir, `${randomUUID()}.part`);
  try {
    await writeFileSynced(temp, bytes, durability);
    const created = await mkdir(dirname(path), { recursive: true });
    await rename(temp, path);
    await durability.syncDirectory(dirname(path));
    await syncCreatedDirectories(dirname(path), created, durability);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
