import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
  /**
   * Removes the previews made before `before` (CHEXGEN_PREVIEW_RETENTION_DAYS); returns how many images lost theirs.
   * The studies in the PACS stay: a preview is only the API's 8-bit copy for a quick look.
   */
  purge(before: Date): Promise<number>;
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

  /** A job's folder goes whole once its last preview is older than `before` (each put renames into it). */
  async purge(before: Date): Promise<number> {
    let purged = 0;
    const jobs = await readdir(this.dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const job of jobs.filter((entry) => entry.isDirectory())) {
      const folder = join(this.dir, job.name);
      if ((await stat(folder)).mtimeMs >= before.getTime()) continue;
      purged += (await readdir(folder)).filter((name) => name.endsWith('.png')).length;
      await rm(folder, { recursive: true, force: true });
    }
    return purged;
  }
}
