import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FSYNC, syncCreatedDirectories, writeFileSynced, type Durability } from '../pacs/durableFiles.js';
import type { PacsLog } from '../pacs/DicomStore.js';

/** Where delivered instances go: a PACS over DICOMweb, or the embedded store. Resolves only when every instance
 * was accepted; throws (e.g. PACS_UNAVAILABLE) otherwise. Storing the same instance twice must be harmless. */
export interface InstanceSink {
  storeAll(instances: Uint8Array[]): Promise<void>;
}

/** What is known about a queued batch. */
export type OutboxEntry = { id: string; files: number; createdAt: string; attempts: number; lastError: string | null };

/**
 * Where a batch stands: `queued` (complete on disk), `missing` (never written, lost, or delivered and removed) or
 * `unreadable` (its folder is there but its meta.json or one of its files is not: never delivered as it is).
 */
export type BatchState = 'queued' | 'missing' | 'unreadable';

/** Settings of an {@link Outbox}. */
export type OutboxOptions = { durability?: Durability; log?: PacsLog };

const META = 'meta.json';
const ID_RULE = /^[A-Za-z0-9._-]{1,128}$/;

/** A batch that cannot be delivered as it is on disk (see {@link BatchState} `unreadable`). */
export class UnreadableBatchError extends Error {
  constructor(readonly id: string, reason: string) {
    super(`outbox batch ${id} is unreadable: ${reason}`);
    this.name = 'UnreadableBatchError';
  }
}

/**
 * A durable queue of generated DICOM objects on disk. `enqueue` writes a batch (one study) into a temporary folder,
 * fsyncs every file and the folder, renames it into place and fsyncs the outbox folder, so once it resolves the batch
 * survives a crash or a power cut, and a crash before leaves nothing. A batch is deleted only after the sink accepted
 * every instance; one whose files do not match its meta.json is never delivered in part. After a restart,
 * `deliverPending` resumes delivery. With an idempotent sink (STOW-RS of the same SOP Instance UIDs) every instance
 * ends up stored exactly once.
 */
export class Outbox {
  private readonly durability: Durability;
  private readonly log: PacsLog | undefined;

  constructor(private readonly dir: string, options: OutboxOptions = {}) {
    this.durability = options.durability ?? FSYNC;
    this.log = options.log;
  }

  /** Queues a batch; `id` must be unique (e.g. the StudyInstanceUID). Resolves once it is durably on disk. */
  async enqueue(id: string, instances: Uint8Array[]): Promise<void> {
    if (!ID_RULE.test(id)) throw new Error(`outbox: batch id "${id}" must match ${ID_RULE}`);
    const created = await mkdir(this.dir, { recursive: true });
    await syncCreatedDirectories(this.dir, created, this.durability);
    const tmp = join(this.dir, `.tmp-${id}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    await Promise.all(instances.map((bytes, i) => writeFileSynced(join(tmp, fileName(i)), bytes, this.durability)));
    const meta: OutboxEntry = { id, files: instances.length, createdAt: new Date().toISOString(), attempts: 0, lastError: null };
    await writeFileSynced(join(tmp, META), JSON.stringify(meta), this.durability);
    await this.durability.syncDirectory(tmp);
    await rename(tmp, join(this.dir, id));
    await this.durability.syncDirectory(this.dir);
  }

  /** Whether a complete batch `id` is waiting (enqueued and not yet delivered). */
  async has(id: string): Promise<boolean> {
    return (await this.state(id)) === 'queued';
  }

  /** Where batch `id` stands: its meta.json must parse and every file it lists must be there. */
  async state(id: string): Promise<BatchState> {
    if (!ID_RULE.test(id)) return 'missing';
    try {
      await this.read(id, false);
      return 'queued';
    } catch (error) {
      if (error instanceof UnreadableBatchError) return 'unreadable';
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }

  /** Removes a batch that cannot be delivered (an unreadable one, before its study is made again). */
  async discard(id: string): Promise<void> {
    if (!ID_RULE.test(id)) return;
    await rm(join(this.dir, id), { recursive: true, force: true });
    await this.durability.syncDirectory(this.dir).catch(() => undefined); // the folder may be gone as well
  }

  /**
   * Complete batches still waiting, oldest first. Leftover temporary folders (a crash mid-enqueue) are removed;
   * unreadable batches are logged and left for their job to make again.
   */
  async pending(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // no outbox folder yet: nothing was ever queued
      throw error;
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      if (name.startsWith('.tmp-')) {
        await rm(join(this.dir, name), { recursive: true, force: true });
        continue;
      }
      try {
        entries.push((await this.read(name, false)).meta);
      } catch (error) {
        this.log?.('warn', 'outbox: a batch cannot be read and is not delivered; its job makes the study again if it still runs', {
          batch: name, error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Tries to deliver one batch; on success removes it. Returns the error message when the sink failed.
   * @throws UnreadableBatchError when the batch is not complete on disk (nothing is sent); ENOENT when it is gone.
   */
  async deliver(id: string, sink: InstanceSink): Promise<string | null> {
    const { meta, instances } = await this.read(id, true);
    try {
      await sink.storeAll(instances);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.writeMeta(id, { ...meta, attempts: meta.attempts + 1, lastError: message });
      return message;
    }
    await rm(join(this.dir, id), { recursive: true, force: true });
    return null;
  }

  /** Delivers every pending batch once, in order. Returns how many were delivered and how many remain. */
  async deliverPending(sink: InstanceSink): Promise<{ delivered: number; remaining: number; lastError: string | null }> {
    let delivered = 0;
    let lastError: string | null = null;
    const entries = await this.pending();
    for (const entry of entries) {
      let error: string | null;
      try {
        error = await this.deliver(entry.id, sink);
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
        this.log?.('warn', 'outbox: a batch could not be delivered', { batch: entry.id, error });
      }
      if (error === null) delivered++;
      else lastError = error;
    }
    return { delivered, remaining: entries.length - delivered, lastError };
  }

  /** A batch's meta.json and, with `withFiles`, its instances; every file meta.json counts must be there. */
  private async read(id: string, withFiles: true): Promise<{ meta: OutboxEntry; instances: Uint8Array[] }>;
  private async read(id: string, withFiles: false): Promise<{ meta: OutboxEntry }>;
  private async read(id: string, withFiles: boolean): Promise<{ meta: OutboxEntry; instances?: Uint8Array[] }> {
    const dir = join(this.dir, id);
    let text: string;
    try {
      text = await readFile(join(dir, META), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await readdir(dir); // ENOENT (the batch is gone) when the folder is missing too
      throw new UnreadableBatchError(id, `${META} is missing`);
    }
    let meta: OutboxEntry;
    try {
      meta = JSON.parse(text) as OutboxEntry;
    } catch {
      throw new UnreadableBatchError(id, `${META} is not valid JSON`);
    }
    if (meta.id !== id || !Number.isInteger(meta.files) || meta.files < 0) throw new UnreadableBatchError(id, `${META} does not describe this batch`);
    const expected = Array.from({ length: meta.files }, (_, i) => fileName(i));
    const present = new Set((await readdir(dir)).filter((f) => f.endsWith('.dcm')));
    const absent = expected.filter((f) => !present.has(f));
    if (absent.length > 0 || present.size !== expected.length) {
      throw new UnreadableBatchError(id, `${META} lists ${meta.files} file(s), ${present.size} are there${absent.length > 0 ? ` (missing ${absent.join(', ')})` : ''}`);
    }
    if (!withFiles) return { meta };
    const instances = await Promise.all(expected.map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
    return { meta, instances };
  }

  /** Replaces meta.json atomically (a crash mid-write must not leave it garbled). */
  private async writeMeta(id: string, meta: OutboxEntry): Promise<void> {
    const path = join(this.dir, id, META);
    const temp = join(dirname(path), `.${META}.${process.pid}.tmp`);
    await rm(temp, { force: true });
    await writeFileSynced(temp, JSON.stringify(meta), this.durability);
    await rename(temp, path);
    await this.durability.syncDirectory(dirname(path));
  }
}

function fileName(index: number): string {
  return `${String(index).padStart(4, '0')}.dcm`;
}
