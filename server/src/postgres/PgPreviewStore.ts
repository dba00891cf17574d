import type { PreviewStore } from '../jobs/PreviewStore.js';
import { forJob, forRequest } from './databaseErrors.js';
import type { PostgresDatabase } from './PostgresDatabase.js';

/**
 * Previews in the job database (`chexgen.previews`): the worker that made an image may be on another machine than the
 * API that serves `/syntheses/{id}/preview/{i}.png`. A put during a short database outage is retried like the job's
 * other writes.
 */
export class PgPreviewStore implements PreviewStore {
  constructor(private readonly db: PostgresDatabase, private readonly retryWindowMs = 120_000) {}

  async put(jobId: string, index: number, png: Buffer): Promise<void> {
    await forJob(() => this.db.pool.query(
      'INSERT INTO chexgen.previews (job_id, image, png) VALUES ($1, $2, $3) ON CONFLICT (job_id, image) DO UPDATE SET png = EXCLUDED.png, made_at = now()',
      [jobId, index, png],
    ), this.retryWindowMs);
  }

  async get(jobId: string, index: number): Promise<Buffer | undefined> {
    const { rows: [row] } = await forRequest(() => this.db.pool.query<{ png: Buffer }>('SELECT png FROM chexgen.previews WHERE job_id = $1 AND image = $2', [jobId, index]));
    return row?.png;
  }

  async purge(before: Date): Promise<number> {
    const { rowCount } = await forRequest(() => this.db.pool.query('DELETE FROM chexgen.previews WHERE made_at < $1', [before]));
    return rowCount ?? 0;
  }
}
