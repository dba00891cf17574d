import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { CohortService } from '../cohorts/CohortService.js';
import type { JobService } from '../jobs/JobService.js';
import { errorMiddleware, notFoundHandler } from './errorMiddleware.js';
import { hostPolicy, requireAllowedHost } from './hostCheck.js';
import { requestLogger } from './requestLogger.js';
import { loginRoutes, viewerGate, type CookieSecurity } from './loginRoutes.js';
import { RateLimiter } from './RateLimiter.js';
import { isAuthorized, requireApiToken, type Auth } from './requireApiToken.js';
import { SessionStore } from './SessionStore.js';
import { apiRoutes } from './routes/apiRoutes.js';
import { datasetZipRoutes, type ExportDataset } from './routes/datasetZipRoutes.js';
import { healthRoutes, type Readiness } from './routes/healthRoutes.js';
import { metricsRoutes } from './routes/metricsRoutes.js';
import type { ModelSummary } from './routes/modelsRoutes.js';
import type { CohortLimits } from '../cohorts/cohortRequest.js';
import type { RequestLimits } from '../synthesis/synthesisRequest.js';

/** What the app serves. `mounts` are built elsewhere (viewer, DICOMweb proxy, MONAI Label) and only placed here. */
export type AppDeps = {
  jobs: JobService;
  cohorts: CohortService;
  models: readonly ModelSummary[];
  readiness: Readiness;
  limits: RequestLimits & CohortLimits;
  /** Largest JSON body in bytes (CHEXGEN_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** '' = no token; otherwise required as a bearer token on /api and /metrics. */
  apiToken: string;
  /** Host names served besides loopback ones (CHEXGEN_ALLOWED_HOSTS); see hostCheck.ts. */
  allowedHosts?: readonly string[];
  /** Most open event streams (CHEXGEN_MAX_EVENT_STREAMS, default 64). */
  maxEventStreams?: number;
  /** Browser sign-in (with a token): session lifetime, cookie `Secure`, attempts per minute and address. */
  signIn?: { sessionTtlSeconds: number; cookieSecure: CookieSecurity; attemptsPerMinute: number };
  logger: Logger;
  sseHeartbeatMs?: number;
  /**
   * `GET /api/v1/cohorts/{id}/dataset.zip`: a cohort as a training dataset, file by file (server/src/datasetExport/,
   * bound to the store by the composition root); absent: not served.
   */
  exportDataset?: ExportDataset;
  mounts?: {
    /** `/dicom-web`: the DICOMweb reverse proxy to the PACS, or the embedded store (server/src/http/dicomWebProxy.ts). */
    dicomWeb?: RequestHandler;
    /** `/wado`: WADO-URI through the same proxy. */
    wado?: RequestHandler;
    /** `/` and `/plugins/`: the OHIF viewer and our extension bundles (server/src/http/viewer/). */
    viewer?: RequestHandler;
    /**
     * `/monai-label`: the MONAI-Label-compatible surface (server/src/monaiLabel/). Built from the app's auth state
     * (token and sign-in sessions), because it authenticates itself: CORS preflights and `/auth/` come before the token.
     */
    monaiLabel?: (auth: Auth) => RequestHandler;
  };
};

/** The Express app (without listening: see startServer; tests listen on port 0). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogger(deps.logger));
  // First of all: a Host this server does not answer to (DNS rebinding in loopback mode) gets nothing, not even probes.
  app.use(requireAllowedHost(hostPolicy(deps.allowedHosts ?? [], deps.apiToken)));
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  const signIn = deps.signIn ?? { sessionTtlSeconds: 12 * 3600, cookieSecure: 'auto', attemptsPerMinute: 10 };
  const authState: Auth = { token: deps.apiToken, sessions: new SessionStore({ ttlMs: signIn.sessionTtlSeconds * 1000 }) };
  app.use(healthRoutes(deps.readiness, (req) => isAuthorized(req, authState)));

  // ---- MOUNT POINT: DICOMweb reverse proxy (/dicom-web, /wado) --------------------------------------------------
  // Built by server/src/http/dicomWebProxy.ts and passed in deps.mounts. It streams request bodies (STOW), so it
  // MUST stay here, before any body parser. It shares the job runner's EmbeddedStore when no PACS is configured.
  // With a token (always when bound beyond loopback) the images need it too: they are the sensitive part.
  const auth = requireApiToken(authState);
  if (deps.mounts?.dicomWeb !== undefined) app.use('/dicom-web', auth, deps.mounts.dicomWeb);
  if (deps.mounts?.wado !== undefined) app.use('/wado', auth, deps.mounts.wado);
  // -----------------------------------------------------------------------------------------------------------------

  app.use('/api/v1', auth, express.json({ limit: deps.maxBodyBytes }),
    apiRoutes({ jobs: deps.jobs, cohorts: deps.cohorts, limits: deps.limits, models: deps.models, sseHeartbeatMs: deps.sseHeartbeatMs, logger: deps.logger, maxEventStreams: deps.maxEventStreams }));
  if (deps.exportDataset !== undefined) app.use('/api/v1', auth, datasetZipRoutes(deps.cohorts, deps.exportDataset, deps.logger));
  // ---- MOUNT POINT: MONAI Label clients (/monai-label) -------------------------------------------------------------
  // Built by server/src/monaiLabel/ and passed in deps.mounts, given the auth state: it runs its own CORS and Origin
  // check, answers /auth/ and preflights, then requires the token (or a session) like the API; it parses its own
  // multipart bodies.
  if (deps.mounts?.monaiLabel !== undefined) app.use('/monai-label', deps.mounts.monaiLabel(authState));
  // -----------------------------------------------------------------------------------------------------------------
  app.use('/api', notFoundHandler());
  app.use('/metrics', auth);
  app.use(metricsRoutes(deps.jobs));

  // ---- MOUNT POINT: OHIF viewer (/) and plugin bundles (/plugins/) ------------------------------------------------
  // Built by server/src/http/viewer/ and passed in deps.mounts. Last, because it answers unknown GET paths with the
  // viewer's index.html (single-page app); the API, probes, metrics and DICOMweb routes above take precedence.
  if (deps.apiToken !== '') {
    const attempts = new RateLimiter({ limit: signIn.attemptsPerMinute, windowMs: 60_000 });
    app.use(loginRoutes(authState, { secureCookie: signIn.cookieSecure, attempts }), viewerGate(authState));
  }
  if (deps.mounts?.viewer !== undefined) app.use(deps.mounts.viewer);
  // -----------------------------------------------------------------------------------------------------------------

  app.use(notFoundHandler());
  app.use(errorMiddleware(deps.logger));
  return app;
}
