import { mkdtemp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
