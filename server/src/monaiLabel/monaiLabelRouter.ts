import { Router, type ErrorRequestHandler, type Request } from 'express';
import type { Logger } from 'pino';
import { ChexgenError } from '../errors.js';
import { STATUS_BY_CODE } from '../http/errorMiddleware.js';
import type { ModelSummary } from '../http/routes/modelsRoutes.js';
import { isAuthorized, requireApiToken, type Auth } from '../http/requireApiToken.js';
import type { JobService } from '../jobs/JobService.js';
import type { DicomStore } from '../pacs/DicomStore.js';
import { parseSynthesisRequest, type RequestLimits } from '../synthesis/synthesisRequest.js';
import { monaiLabelCors } from './corsPolicy.js';
import { monaiLabelInfo } from './monaiLabelInfo.js';
import { multipartFormData } from './multipartFormData.js';
import { parseInferParams, type InferParams } from './parseInferParams.js';
import { readInferForm } from './readInferForm.js';
import { resolveImageId, type ImageLocation } from './resolveImageId.js';
import { InferJobFailed, runInferJob, type InferResult } from './runInferJob.js';

/** What the MONAI Label surface needs from the server. */
export type MonaiLabelDeps = {
  jobs: JobService;
  store: DicomStore;
  models: readonly ModelSummary[];
  limits: RequestLimits;
  /** Most seconds `POST /infer` waits for its job (CHEXGEN_MONAI_LABEL_TIMEOUT_S). */
  timeoutSeconds: number;
  /** Origins whose pages may call it (CHEXGEN_MONAI_LABEL_ORIGINS). */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  version: string;
  logger?: Logger;
};

const OUTPUTS = ['all', 'image', 'json'] as const;

/**
 * A MONAI-Label-compatible surface (mounted at /monai-label): `GET /info/`, `GET /auth/`, `GET /auth/token/valid`,
 * `POST /infer/{model}?image=<id>[&output=all|image|json]` and CORS preflights. Infer takes the multipart `params`
 * JSON of MONAI Label clients, runs one synthesis as a durable job and answers when it is done: multipart `params`
 * (JSON) + `image` (the synthetic image as DICOM Part 10), or one of them with `output`. Authentication is the
 * server's (bearer token or session), except `/auth/` and preflights, which MONAI Label clients call first.
 */
export function monaiLabelRouter(deps: MonaiLabelDeps, auth: Auth): Router {
  const router = Router();
  router.use(monaiLabelCors(deps.allowedOrigins));

  // What MONAI Label clients ask before anything else: is auth on? (Then send the API token as a bearer token.)
  router.get('/auth/', (_req, res) => {
    res.json({ enabled: auth.token !== '', client_id: 'chexgen', realm: '' });
  });

  router.use(requireApiToken(auth));

  router.get('/auth/token/valid', (req, res) => {
    res.json({ valid: isAuthorized(req, auth) });
  });

  router.get('/info/', (_req, res) => {
    res.json(monaiLabelInfo(deps.models, deps.version));
  });

  router.post('/infer/:model', async (req, res) => {
    const output = outputOf(req);
    const model = modelOf(deps.jobs, String(req.params.model));
    const image = imageOf(req);
    const form = await readInferForm(req, deps.maxBodyBytes);
    const params = parseInferParams(form.params);
    const location = await resolveImageId(deps.store, image);
    const request = synthesisRequest(params, location, model, deps);
    // the job service resolves SEG masks and checks the request against the model at submission: its field errors
    // name `params.<field>` too
    const made = await runInferJob(deps.jobs, deps.store, request, deps.timeoutSeconds * 1000).catch((error: unknown) => {
      throw asParamsError(error);
    });
    const summary = resultParams(made, model, location, params);
    const filename = `${made.SOPInstanceUID}.dcm`;
    if (output === 'json') {
      res.json(summary);
    } else if (output === 'image') {
      res.type('application/dicom').set('Content-Disposition', `attachment; filename="${filename}"`).send(Buffer.from(made.part10));
    } else {
      const { contentType, body } = multipartFormData([
        { name: 'params', contentType: 'application/json', body: JSON.stringify(summary) },
        { name: 'image', filename, contentType: 'application/dicom', body: Buffer.from(made.part10) },
      ]);
      res.set('Content-Type', contentType).send(body);
    }
  });

  router.use((req, _res, next) => next(new ChexgenError('NOT_FOUND', `no MONAI Label route ${req.method} ${req.path.slice(0, 200)} (chexgen answers /info/, /auth/, /infer/{model})`, { status: 404 })));
  router.use(monaiLabelErrors(deps.logger));
  return router;
}

function outputOf(req: Request): (typeof OUTPUTS)[number] {
  const raw = req.query.output;
  if (raw === undefined || raw === '') return 'all';
  if (typeof raw === 'string' && (OUTPUTS as readonly string[]).includes(raw)) return raw as (typeof OUTPUTS)[number];
  throw new ChexgenError('INVALID_FIELD', `output: one of ${OUTPUTS.join(', ')} (chexgen makes an image, not a label: no dicom_seg)`, { field: 'output', status: 400 });
}

function imageOf(req: Request): string {
  const raw = req.query.image;
  if (raw === undefined) return '';
  if (typeof raw !== 'string') throw new ChexgenError('INVALID_FIELD', 'image: give it once, as a string', { field: 'image', status: 400 });
  return raw;
}

/** The loaded model's name for `{model}` (its model.json name or folder name); NOT_FOUND naming the one it runs. */
function modelOf(jobs: JobService, name: string): string {
  try {
    return jobs.resolveModel(name);
  } catch (cause) {
    throw new ChexgenError('NOT_FOUND', `model: no model "${name.slice(0, 128)}" here; this server runs ${jobs.modelName} (GET /info/)`, { field: 'model', status: 404, cause });
  }
}

/**
 * The synthesis request of an infer, checked with the API's own schema (synthesis/synthesisRequest.ts); errors name
 * `params.<field>`. SEG masks stay references here: the job service reads them from the store at submission.
 */
function synthesisRequest(params: InferParams, location: ImageLocation | undefined, model: string, deps: MonaiLabelDeps) {
  const { synthesis, options } = params;
  if (options.useImageSegmentation && location === undefined) {
    throw new ChexgenError('INVALID_FIELD', 'params.useImageSegmentation: needs ?image= (the study whose SEG gives the masks)', { field: 'params.useImageSegmentation', status: 400 });
  }
  const masks = Array.isArray(synthesis.masks) ? synthesis.masks : synthesis.masks === undefined ? [] : undefined;
  const body: Record<string, unknown> = {
    ...synthesis,
    ...(options.useImageSegmentation && location !== undefined && masks !== undefined ? { masks: [...masks, { seg: { StudyInstanceUID: location.StudyInstanceUID } }] } : {}),
    ...(options.linkImage && location !== undefined ? { sourceStudy: location.StudyInstanceUID } : {}),
    count: 1,
    model,
  };
  try {
    const { idempotencyKey: _ignored, ...request } = parseSynthesisRequest(body, deps.limits);
    return request;
  } catch (error) {
    throw asParamsError(error);
  }
}

/** A field error of the synthesis request as one of infer's `params` (`steps` -> `params.steps`); others unchanged. */
function asParamsError(error: unknown): unknown {
  if (!(error instanceof ChexgenError) || error.code !== 'INVALID_FIELD' || error.field === undefined) return error;
  const prefixed = error.message.split('; ').map((issue) => (/^[A-Za-z_[\]0-9.]+: /.test(issue) ? `params.${issue}` : issue)).join('; ');
  return new ChexgenError('INVALID_FIELD', prefixed, { field: `params.${error.field}`, status: error.status ?? 400, cause: error });
}

/** The `params` part of an infer's answer: where the synthetic image is and how it was made. */
function resultParams(made: InferResult, model: string, location: ImageLocation | undefined, params: InferParams) {
  return {
    synthetic: true,
    model,
    jobId: made.job.id,
    job: `/api/v1/syntheses/${made.job.id}`,
    StudyInstanceUID: made.result.StudyInstanceUID,
    SeriesInstanceUIDs: made.result.SeriesInstanceUIDs,
    SOPInstanceUID: made.SOPInstanceUID,
    seed: made.result.seed,
    source: location === undefined ? null : { ...location, linkedInSr: params.options.linkImage, masksFromSeg: params.options.useImageSegmentation },
    ignoredParams: params.ignored,
    note: 'Synthetic image (research use only, not for diagnosis); its study also holds the SR with the generation record and, when masks were given, a SEG.',
  };
}

/**
 * Errors in MONAI Label's shape (FastAPI's `detail`, which its clients print) and ours (`error: { code, message,
 * field }`), with the same statuses as the rest of the API.
 */
function monaiLabelErrors(logger: Logger | undefined): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof InferJobFailed) {
      res.status(error.status).json({ detail: `${error.body.code}: ${error.body.message}`, error: error.body });
      return;
    }
    if (error instanceof ChexgenError) {
      res.status(error.status ?? STATUS_BY_CODE[error.code]).json({ detail: `${error.code}: ${error.message}`, error: error.toJSON() });
      return;
    }
    logger?.error({ err: error }, 'MONAI Label request failed');
    res.status(500).json({ detail: 'INTERNAL: internal error', error: { code: 'INTERNAL', message: 'internal error' } });
  };
}
