import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import yazl from 'yazl';
import type { CohortManifest } from '../../cohorts/cohortManifest.js';
import type { CohortService } from '../../cohorts/CohortService.js';
import type { DatasetFile } from '../../datasetExport/exportCohortDataset.js';
import { ChexgenError } from '../../errors.js';

/** A cohort's manifest -> its training dataset, file by file (datasetExport/exportCohortDataset, bound to the store). */
export type ExportDataset = (manifest: CohortManifest) => AsyncGenerator<DatasetFile>;

const COHORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `GET /cohorts/{id}/dataset.zip` (mounted under /api/v1): the cohort's training dataset (`exportDataset`) as a
 * zip streamed while it is made. The first file is made before the answer starts, so a cohort with no image is a
 * clean 404; a failure later can only cut the stream (the zip is then incomplete and unreadable, never wrong).
 * NIfTI and PNG are compressed already and stored as they are; the JSON and CSV files are deflated.
 */
export function datasetZipRoutes(cohorts: CohortService, exportDataset: ExportDataset, logger?: Logger): Router {
  const router = Router();
  router.get('/cohorts/:id/dataset.zip', async (req, res) => {
    const id = String(req.params.id);
    if (!COHORT_ID.test(id)) throw new ChexgenError('NOT_FOUND', `no cohort ${id.slice(0, 64)}`, { field: 'id', status: 404 });
    const files = exportDataset(await cohorts.manifest(id));
    const first = await files.next();
    const zip = new yazl.ZipFile();
    res.status(200).type('application/zip').set('Content-Disposition', `attachment; filename="chexgen-cohort-${id}.zip"`).set('Cache-Control', 'no-store');
    zip.outputStream.pipe(res);
    let aborted = false;
    req.on('close', () => (aborted = !res.writableFinished));
    try {
      for (let next = first; !next.done && !aborted; next = await files.next()) {
        zip.addBuffer(next.value.bytes, next.value.path, { compress: /\.(json|csv)$/.test(next.value.path), mtime: new Date(0) });
        // keep at most what the client has not taken yet of one subject in memory
        if (res.writableNeedDrain) await drainedOrClosed(res);
      }
    } catch (error) {
      logger?.error({ err: error, cohortId: id }, 'dataset export failed mid-stream');
      res.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    zip.end();
  });
  return router;
}

/** Resolves when `res` drains or closes, and leaves no listener behind (one wait per subject would pile them up). */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
