import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FSYNC, type Durability } from './durableFiles.js';
import { writeFileAtomic } from './writeFileAtomic.js';

describe('writeFileAtomic', () => {
  it('when a file is written into folders that do not exist yet, then the data, its folder and each new folder are fsynced, in that order', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chexgen-atomic-'));
    const events: string[] = [];
    const durability: Durability = {
      syncFile: async (handle, path) => { await FSYNC.syncFile(handle, path); events.push(`file ${relative(root, path).startsWith('.tmp') ? 'temp' : path}`); },
      syncDirectory: async (path) => { await FSYNC.syncDirectory(path); events.push(`dir ${relative(root, path) || '.'}`); },
    };
    await writeFileAtomic(join(root, 'study', 'series', 'sop.dcm'), new Uint8Array([7, 8]), join(root, '.tmp'), durability);
    expect(await readFile(join(root, 'study', 'series', 'sop.dcm'))).toEqual(Buffer.from([7, 8]));
    expect(events).toEqual(['file temp', 'dir study/series', 'dir study', 'dir .']);
  });

  it('when the folder exists already, then only it is fsynced after the rename', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chexgen-atomic-'));
    await writeFileAtomic(join(root, 'a', 'x.dcm'), new Uint8Array([1]), join(root, '.tmp'));
    const synced: string[] = [];
    const durability: Durability = { ...FSYNC, syncDirectory: async (path) => { synced.push(relative(root, path)); } };
    await writeFileAtomic(join(root, 'a', 'y.dcm'), new Uint8Array([2]), join(root, '.tmp'), durability);
    expect(synced).toEqual(['a']);
  });
});
