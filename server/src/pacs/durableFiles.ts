import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * How writes are made durable. A rename or a new file is only on disk once its directory is fsynced too; without
 * that a power cut can undo it after the caller was told it was done. Tests wrap {@link FSYNC} to see the order.
 */
export type Durability = {
  /** Flushes a written file's data (fsync). */
  syncFile(handle: FileHandle, path: string): Promise<void>;
  /** Flushes a directory's entries (fsync on the directory), so creations and renames in it survive a crash. */
  syncDirectory(path: string): Promise<void>;
};

/** The real thing: fsync(2) on the file, and on the directory opened read-only. */
export const FSYNC: Durability = {
  syncFile: (handle) => handle.sync(),
  async syncDirectory(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Writes `bytes` to a new file `path` and fsyncs it (not its directory). */
export async function writeFileSynced(path: string, bytes: Uint8Array | string, durability: Durability = FSYNC): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await durability.syncFile(handle, path);
  } finally {
    await handle.close();
  }
}

/**
 * Fsyncs the directories a `mkdir -p` created, from the deepest up to the parent of the first one created (what
 * `mkdir(..., { recursive: true })` returns), so the new folders themselves survive a crash.
 */
export async function syncCreatedDirectories(deepest: string, firstCreated: string | undefined, durability: Durability = FSYNC): Promise<void> {
  if (firstCreated === undefined) return;
  for (let dir = deepest; ; dir = dirname(dir)) {
    await durability.syncDirectory(dirname(dir));
    if (dir === firstCreated || dirname(dir) === dir) return;
  }
}
