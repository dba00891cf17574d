import { parseCohortRequest, type CohortLimits, type SubmittedCohort } from '../../cohorts/cohortRequest.js';
import { resolveIdempotencyKey } from './resolveIdempotencyKey.js';

/**
 * A `POST /api/v1/cohorts` body: the request validated by the domain's schema (cohorts/cohortRequest.ts) and its
 * idempotency key from the body or the `Idempotency-Key` header (both: they must agree).
 */
export function parseCohortBody(body: unknown, limits: CohortLimits, headerKey: string | undefined): { request: SubmittedCohort; idempotencyKey: string | null } {
  const { idempotencyKey: bodyKey, ...request } = parseCohortRequest(body, limits);
  return { request, idempotencyKey: resolveIdempotencyKey(bodyKey, headerKey) };
}
