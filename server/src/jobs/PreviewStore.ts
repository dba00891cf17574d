import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the 8-bit PNG preview of each image of a job is kept for the API (`/syntheses/{id}/preview/{i}.png`, the
 * cohort contact sheet). The worker that made the image writes it; the API, perhaps on another machine, reads it:
 * files in the data dir for the embedded setup ({@link FilePreviewStore}), a table with PostgreSQL.
 */
export interface PreviewStore {
  put(jobId: string, index: number, png: Buffer): Promise<void>;
  /** The preview, or undefined when there is none (not made yet, or gone). */
  get(jobId: string, index: number): Promise<Buffer | undefined>;
}

/** Where a preview lives in a preview folder: `<dir>/<jobId>/<index>.png`. */
export function previewPath(dir: string, jobId: string, index: number): string {
  return join(dir, jobId, `${index}.png`);
}

/** Previews as files under one folder (`<dataDir>/previews`), written through a temp file and a rename. */
export class FilePreviewStore implements PreviewStore {
  constructor(private readonly dir: string) {}

  async put(jobId: string, index: number, png: Buffer): Promise<void> {
    const path = previewPath(this.dir, jobId, index);
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, png);
    await rename(temp, path);
  }

  async get(jobId: string, index: number): Promise<Buffer | undefined> {
    try {
      return await readFile(previewPath(this.dir, jobId, index));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
