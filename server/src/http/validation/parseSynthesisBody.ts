import { parseSynthesisRequest, type RequestLimits, type SynthesisRequest } from '../../synthesis/synthesisRequest.js';
import { resolveIdempotencyKey } from './resolveIdempotencyKey.js';

/**
 * A `POST /api/v1/syntheses` body: the request validated once by the domain's schema (synthesisRequest.ts), and
 * its idempotency key from the body or the `Idempotency-Key` header (both: they must agree). Masks stay as their
 * sources here; the job service resolves them. Throws INVALID_FIELD (400) naming the field and the rule.
 */
export function parseSynthesisBody(body: unknown, limits: RequestLimits, headerKey: string | undefined): { request: SynthesisRequest; idempotencyKey: string | null } {
  const { idempotencyKey: bodyKey, ...request } = parseSynthesisRequest(body, limits);
  return { request, idempotencyKey: resolveIdempotencyKey(bodyKey, headerKey) };
}
