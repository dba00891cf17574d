import { mkdtemp, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FSYNC, type Durability } from '../pacs/durableFiles.js';
import { Outbox, type InstanceSink } from './Outbox.js';

/** A sink that keeps what it got (by content) and fails while `down` is true, like a PACS outage. */
function flakySink() {
  const stored = new Map<string, number>();
  const sink = {
    down: true as boolean,
    async storeAll(instances: Uint8Array[]) {
      if (sink.down) throw new Error('PACS_UNAVAILABLE: connection refused');
      for (const i of instances) { const key = Buffer.from(i).toString('hex'); stored.set(key, (stored.get(key) ?? 0) + 1); }
    },
  } satisfies InstanceSink & { down: boolean };
  return { sink, stored };
}

describe('Outbox', () => {
  it('when the sink is down, then batches stay on disk across a restart and arrive once it is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-outbox-'));
    const { sink, stored } = flakySink();
    await new Outbox(dir).enqueue('1.2.3', [new Uint8Array([1, 2]), new Uint8Array([3])]);
    await new Outbox(dir).enqueue('1.2.4', [new Uint8Array([4])]);
    const first = await new Outbox(dir).deliverPending(sink);
    expect(first).toMatchObject({ delivered: 0, remaining: 2 });
    expect(first.lastError).toContain('PACS_UNAVAILABLE');
    const restarted = new Outbox(dir); // a new process sees the same files
    expect((await restarted.pending()).map((e) => [e.id, e.attempts])).toEqual([['1.2.3', 1], ['1.2.4', 1]]);
    sink.down = false;
    expect(await restarted.deliverPending(sink)).toMatchObject({ delivered: 2, remaining: 0, lastError: null });
    expect([...stored.values()]).toEqual([1, 1, 1]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('when a crash left a half-written batch, then it is discarded, not delivered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-outbox-'));
    await mkdir(join(dir, '.tmp-1.2.5-999'));
    await writeFile(join(dir, '.tmp-1.2.5-999', '0000.dcm'), 'partial');
    expect(await new Outbox(dir).pending()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('when a batch is queued and then delivered, then has() is true until the sink took it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-outbox-'));
    const { sink } = flakySink();
    sink.down = false;
    const outbox = new Outbox(dir);
    expect(await outbox.has('1.2.6')).toBe(false);
    await outbox.enqueue('1.2.6', [new Uint8Array([6])]);
    expect(await outbox.has('1.2.6')).toBe(true);
    expect(await outbox.has('../1.2.6')).toBe(false);
    expect(await outbox.deliver('1.2.6', sink)).toBeNull();
    expect(await outbox.has('1.2.6')).toBe(false);
  });

  it('when a batch id could escape the folder, then enqueue refuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-outbox-'));
    await expect(new Outbox(dir).enqueue('../x', [])).rejects.toThrow(/batch id/);
  });

  it('when a batch is queued, then every file and the batch folder are fsynced before the rename, and the outbox folder after it, before enqueue resolves (issue 13, item 7)', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'chexgen-outbox-')), 'outbox');
    const events: string[] = [];
    const durability: Durability = {
      syncFile: async (handle, path) => { await FSYNC.syncFile(handle, path); events.push(`file ${basename(path)}`); },
      syncDirectory: async (path) => { await FSYNC.syncDirectory(path); events.push(`dir ${path === dir ? 'outbox' : basename(path).startsWith('.tmp-') ? 'batch' : basename(path)}`); },
    };
    const outbox = new Outbox(dir, { durability });
    await outbox.enqueue('1.2.7', [new Uint8Array([1]), new Uint8Array([2])]);
    events.push('resolved');
    expect(events.filter((e) => e.startsWith('file')).sort()).toEqual(['file 0000.dcm', 'file 0001.dcm', 'file meta.json']);
    const batchSynced = events.indexOf('dir batch');
    expect(batchSynced).toBeGreaterThan(events.lastIndexOf('file meta.json'));
    expect(batchSynced).toBeGreaterThan(events.lastIndexOf('file 0001.dcm'));
    expect(events.slice(batchSynced + 1)).toEqual(['dir outbox', 'resolved']); // the rename is made durable last
    expect(events[0]).toBe(`dir ${basename(join(dir, '..'))}`); // the new outbox folder itself, in its parent
  });

  it('when a batch folder has a garbled meta.json or lacks a file, then it is unreadable: never delivered, logged, and has() is false', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chexgen-outbox-'));
    const warnings: string[] = [];
    const outbox = new Outbox(dir, { log: (_level, message, fields) => warnings.push(`${message} ${String(fields?.batch)}`) });
    await outbox.enqueue('1.2.8', [new Uint8Array([8])]);
    await outbox.enqueue('1.2.9', [new Uint8Array([9]), new Uint8Array([10])]);
    await writeFile(join(dir, '1.2.8', 'meta.json'), '{"id":');
    await rename(join(dir, '1.2.9', '0001.dcm'), join(dir, 'elsewhere.bin'));
    const { sink, stored } = flakySink();
    sink.down = false;
    expect(await outbox.state('1.2.8')).toBe('unreadable');
    expect(await outbox.state('1.2.9')).toBe('unreadable');
    expect(await outbox.state('1.2.10')).toBe('missing');
    expect(await outbox.has('1.2.8')).toBe(false);
    expect(await outbox.deliverPending(sink)).toMatchObject({ delivered: 0, remaining: 0 });
    expect(stored.size).toBe(0);
    expect(warnings.join('\n')).toMatch(/cannot be read.*1\.2\.8/);
    await expect(outbox.deliver('1.2.9', sink)).rejects.toThrow(/lists 2 file\(s\), 1 are there \(missing 0001.dcm\)/);
    expect(stored.size).toBe(0);
  });
});
