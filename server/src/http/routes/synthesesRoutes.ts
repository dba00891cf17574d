import { Router, type Response } from 'express';
import type { JobAccepted } from '../../contract/index.js';
import { ChexgenError } from '../../errors.js';
import type { JobService } from '../../jobs/JobService.js';
import { isFinal, type Job, type JobEvent } from '../../jobs/jobTypes.js';
import type { EventStreamSlots } from '../EventStreamSlots.js';
import { jobView, resultView } from '../jobView.js';
import type { RequestLimits } from '../../synthesis/synthesisRequest.js';
import { parseSynthesisBody } from '../validation/parseSynthesisBody.js';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function jobId(raw: string | string[] | undefined): string {
  const id = String(raw ?? '');
  if (!JOB_ID.test(id)) throw new ChexgenError('NOT_FOUND', `no synthesis job ${id.slice(0, 64)}`, { field: 'id', status: 404 });
  return id;
}

function sendEvent(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** `/syntheses`: submit, read, follow (SSE), cancel, preview. Mounted under `/api/v1`. */
export function synthesesRoutes(jobs: JobService, limits: RequestLimits, options: { heartbeatMs?: number; streams?: EventStreamSlots } = {}): Router {
  const router = Router();

  router.post('/syntheses', async (req, res) => {
    const { request, idempotencyKey } = parseSynthesisBody(req.body, limits, req.get('idempotency-key'));
    const { job, created } = await jobs.submit(request, idempotencyKey);
    if (!created) res.set('Idempotent-Replayed', 'true');
    const accepted: JobAccepted = { id: job.id, status: job.status };
    res.status(202).location(`/api/v1/syntheses/${job.id}`).json(accepted);
  });

  router.get('/syntheses/:id', async (req, res) => {
    res.json(jobView(await jobs.get(jobId(req.params.id))));
  });

  router.delete('/syntheses/:id', async (req, res) => {
    const job = await jobs.cancel(jobId(req.params.id));
    const answer: JobAccepted = { id: job.id, status: job.status };
    res.status(isFinal(job.status) ? 200 : 202).json(answer);
  });

  router.get('/syntheses/:id/preview/:index.png', async (req, res) => {
    const index = Number(req.params.index);
    if (!/^\d{1,4}$/.test(String(req.params.index)) || !Number.isInteger(index)) {
      throw new ChexgenError('NOT_FOUND', `no image ${String(req.params.index).slice(0, 16)}`, { field: 'index', status: 404 });
    }
    const png = await jobs.preview(jobId(req.params.id), index);
    res.type('png').set('Cache-Control', 'private, max-age=3600').send(png);
  });

  // Server-sent events: `status` and `progress` at once, then `progress` per step, `result` per image, `status`
  // on changes and `done` (the whole job) at the end, after which the stream closes. The job may run in a worker on
  // another machine: its events come over the event bus. The stream subscribes before it reads the job, so nothing
  // between the read and the subscription is missed (events that came before the read are dropped as stale).
  router.get('/syntheses/:id/events', async (req, res) => {
    const id = jobId(req.params.id);
    const early: JobEvent[] = [];
    let deliver = (event: JobEvent): void => void early.push(event);
    const unsubscribe = jobs.subscribe(id, (event) => deliver(event));
    let job: Job;
    try {
      job = await jobs.get(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    const release = isFinal(job.status) ? () => undefined : (options.streams?.acquire() ?? (() => undefined));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    sendEvent(res, 'status', { status: job.status });
    sendEvent(res, 'progress', job.progress);
    if (isFinal(job.status)) {
      unsubscribe();
      sendEvent(res, 'done', jobView(job));
      res.end();
      return;
    }
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    const close = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      release();
    };
    deliver = (event) => {
      if (event.type === 'progress') sendEvent(res, 'progress', event.progress);
      else if (event.type === 'status') sendEvent(res, 'status', { status: event.status });
      else if (event.type === 'result') sendEvent(res, 'result', resultView(job.id, event.result));
      else {
        sendEvent(res, 'done', jobView(event.job));
        close();
        res.end();
      }
    };
    // what came between subscribing and reading: only an end still matters (the read already shows the rest)
    const ended = early.find((event) => event.type === 'done');
    if (ended !== undefined) deliver(ended);
    req.on('close', close);
  });

  return router;
}
