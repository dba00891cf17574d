import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where delivered instances go: a PACS over DICOMweb, or the embedded store. Resolves only when every instance
 * was accepted; throws (e.g. PACS_UNAVAILABLE) otherwise. Storing the same instance twice must be harmless. */
export interface InstanceSink {
  storeAll(instances: Uint8Array[]): Promise<void>;
}

/** What is known about a queued batch. */
export type OutboxEntry = { id: string; files: number; createdAt: string; attempts: number; lastError: string | null };

const META = 'meta.json';
const ID_RULE = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A durable queue of generated DICOM objects on disk. `enqueue` writes a batch (one study) into a temporary folder
 * and renames it into place, so a crash leaves either nothing or a complete batch; a batch is deleted only after
 * the sink accepted every instance. After a restart, `deliverPending` resumes delivery. With an idempotent sink
 * (STOW-RS of the same SOP Instance UIDs) every instance ends up stored exactly once.
 */
export class Outbox {
  constructor(private readonly dir: string) {}

  /** Queues a batch; `id` must be unique (e.g. the StudyInstanceUID). */
  async enqueue(id: string, instances: Uint8Array[]): Promise<void> {
    if (!ID_RULE.test(id)) throw new Error(`outbox: batch id "${id}" must match ${ID_RULE}`);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${id}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    await Promise.all(instances.map((bytes, i) => writeFile(join(tmp, `${String(i).padStart(4, '0')}.dcm`), bytes)));
    const meta: OutboxEntry = { id, files: instances.length, createdAt: new Date().toISOString(), attempts: 0, lastError: null };
    await writeFile(join(tmp, META), JSON.stringify(meta));
    await rename(tmp, join(this.dir, id));
  }

  /** Whether a complete batch `id` is waiting (enqueued and not yet delivered). */
  async has(id: string): Promise<boolean> {
    if (!ID_RULE.test(id)) return false;
    try {
      await readFile(join(this.dir, id, META));
      return true;
    } catch {
      return false;
    }
  }

  /** Complete batches still waiting, oldest first. Leftover temporary folders (a crash mid-enqueue) are removed. */
  async pending(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      if (name.startsWith('.tmp-')) {
        await rm(join(this.dir, name), { recursive: true, force: true });
        continue;
      }
      try {
        entries.push(JSON.parse(await readFile(join(this.dir, name, META), 'utf8')) as OutboxEntry);
      } catch {
        // not a batch folder
      }
    }
    return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Tries to deliver one batch; on success removes it. Returns the error message on failure. */
  async deliver(id: string, sink: InstanceSink): Promise<string | null> {
    const dir = join(this.dir, id);
    const meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as OutboxEntry;
    const files = (await readdir(dir)).filter((f) => f.endsWith('.dcm')).sort();
    const instances = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
    try {
      await sink.storeAll(instances);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await writeFile(join(dir, META), JSON.stringify({ ...meta, attempts: meta.attempts + 1, lastError: message }));
      return message;
    }
    await rm(dir, { recursive: true, force: true });
    return null;
  }

  /** Delivers every pending batch once, in order. Returns how many were delivered and how many remain. */
  async deliverPending(sink: InstanceSink): Promise<{ delivered: number; remaining: number; lastError: string | null }> {
    let delivered = 0;
    let lastError: string | null = null;
    const entries = await this.pending();
    for (const entry of entries) {
      const error = await this.deliver(entry.id, sink);
      if (error === null) delivered++;
      else lastError = error;
    }
    return { delivered, remaining: entries.length - delivered, lastError };
  }
}
