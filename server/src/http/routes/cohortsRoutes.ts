import { Router, type Response } from 'express';
import type { CohortAccepted, CohortJob, CohortManifestBody, JobAccepted } from '../../contract/index.js';
import type { Logger } from 'pino';
import type { CohortService } from '../../cohorts/CohortService.js';
import type { Cohort } from '../../cohorts/cohortTypes.js';
import { cohortManifestCsv } from '../../cohorts/cohortManifest.js';
import { ChexgenError } from '../../errors.js';
import type { EventStreamSlots } from '../EventStreamSlots.js';
import { isFinal } from '../../jobs/jobTypes.js';
import type { CohortLimits } from '../../cohorts/cohortRequest.js';
import { parseCohortBody } from '../validation/parseCohortBody.js';

const COHORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function cohortId(raw: string | string[] | undefined): string {
  const id = String(raw ?? '');
  if (!COHORT_ID.test(id)) throw new ChexgenError('NOT_FOUND', `no cohort ${id.slice(0, 64)}`, { field: 'id', status: 404 });
  return id;
}

/** The API's view of a cohort (GET /api/v1/cohorts/{id}, the SSE `done` event). */
export function cohortView(cohort: Cohort): CohortJob {
  const base = `/api/v1/cohorts/${cohort.id}`;
  return {
    id: cohort.id,
    status: cohort.status,
    size: cohort.request.size,
    seed: cohort.request.seed,
    progress: cohort.progress,
    manifest: { json: `${base}/manifest.json`, csv: `${base}/manifest.csv` },
    contactSheet: `${base}/contact-sheet.png`,
    dataset: `${base}/dataset.zip`,
    request: cohort.request,
    idempotencyKey: cohort.idempotencyKey,
    cancelRequested: cohort.cancelRequested,
    createdAt: cohort.createdAt,
    updatedAt: cohort.updatedAt,
  };
}

function sendEvent(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** `/cohorts`: submit, read, follow (SSE), cancel, manifests. Mounted under `/api/v1`. */
export function cohortsRoutes(cohorts: CohortService, limits: CohortLimits, options: { heartbeatMs?: number; pollMs?: number; logger?: Logger; streams?: EventStreamSlots } = {}): Router {
  const router = Router();

  router.post('/cohorts', async (req, res) => {
    const { request, idempotencyKey } = parseCohortBody(req.body, limits, req.get('idempotency-key'));
    const { cohort, created } = await cohorts.submit(request, idempotencyKey);
    if (!created) res.set('Idempotent-Replayed', 'true');
    const accepted: CohortAccepted = { id: cohort.id, status: cohort.status, size: cohort.request.size, seed: cohort.request.seed };
    res.status(202).location(`/api/v1/cohorts/${cohort.id}`).json(accepted);
  });

  router.get('/cohorts/:id', async (req, res) => {
    res.json(cohortView(await cohorts.get(cohortId(req.params.id))));
  });

  router.delete('/cohorts/:id', async (req, res) => {
    const cohort = await cohorts.cancel(cohortId(req.params.id));
    const answer: JobAccepted = { id: cohort.id, status: cohort.status };
    res.status(isFinal(cohort.status) ? 200 : 202).json(answer);
  });

  router.get('/cohorts/:id/manifest.json', async (req, res) => {
    const manifest: CohortManifestBody = await cohorts.manifest(cohortId(req.params.id));
    res.set('Cache-Control', 'no-cache').json(manifest);
  });

  router.get('/cohorts/:id/manifest.csv', async (req, res) => {
    const id = cohortId(req.params.id);
    const manifest = await cohorts.manifest(id);
    res
      .set('Cache-Control', 'no-cache')
      .set('Content-Disposition', `attachment; filename="cohort-${id}.csv"`)
      .type('text/csv')
      .send(cohortManifestCsv(manifest));
  });

  router.get('/cohorts/:id/contact-sheet.png', async (req, res) => {
    const sheet = await cohorts.contactSheet(cohortId(req.params.id));
    const etag = `"${sheet.version}"`;
    res.set('Cache-Control', 'no-cache').set('ETag', etag);
    if (req.get('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    res.type('png').send(await sheet.png());
  });

  // Server-sent events: `status` and `progress` at once, then whenever they change (the subjects are ordinary jobs;
  // their counts are read from the database every `pollMs`), and `done` at the end, after which the stream closes.
  router.get('/cohorts/:id/events', async (req, res) => {
    const id = cohortId(req.params.id);
    let last = await cohorts.get(id);
    const release = isFinal(last.status) ? () => undefined : (options.streams?.acquire() ?? (() => undefined));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    sendEvent(res, 'status', { status: last.status });
    sendEvent(res, 'progress', last.progress);
    if (isFinal(last.status)) {
      sendEvent(res, 'done', cohortView(last));
      res.end();
      return;
    }
    let sinceWrite = 0;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const pollMs = options.pollMs ?? 500;
    const close = (): void => {
      closed = true;
      clearTimeout(timer);
      release();
    };
    req.on('close', close);
    // one read at a time: the next poll is planned when this one has answered
    const poll = async (): Promise<void> => {
      let now: Cohort;
      try {
        now = await cohorts.get(id);
      } catch (error) {
        // The stream cannot go on (e.g. the database failed): say so to the client and in the log, then close.
        options.logger?.warn({ err: error, cohortId: id }, 'cohort event stream ended by an error');
        if (!closed) {
          sendEvent(res, 'error', error instanceof ChexgenError ? error.toJSON() : { code: 'INTERNAL', message: 'internal error' });
          close();
          res.end();
        }
        return;
      }
      if (closed) return;
      sinceWrite += pollMs;
      const statusChanged = now.status !== last.status;
      const progressChanged = JSON.stringify(now.progress) !== JSON.stringify(last.progress);
      if (statusChanged) sendEvent(res, 'status', { status: now.status });
      if (progressChanged) sendEvent(res, 'progress', now.progress);
      if (!statusChanged && !progressChanged && sinceWrite >= (options.heartbeatMs ?? 15_000)) res.write(': keep-alive\n\n');
      if (statusChanged || progressChanged || sinceWrite >= (options.heartbeatMs ?? 15_000)) sinceWrite = 0;
      last = now;
      if (isFinal(now.status)) {
        sendEvent(res, 'done', cohortView(now));
        close();
        res.end();
        return;
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    timer = setTimeout(() => void poll(), pollMs);
  });

  return router;
}
