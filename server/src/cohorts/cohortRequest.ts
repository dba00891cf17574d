import { cohortRequestSchema, type CohortLimits } from '../contract/index.js';
import { ChexgenError } from '../errors.js';
import { zodIssuesToError } from '../validation/zodIssuesToError.js';
import type { AgeBand, CohortRequest } from './cohortTypes.js';
import type { CohortFinding } from './findings.js';

// The limits and the schema are the contract's (server/src/contract); re-exported for the server's modules.
export { cohortRequestSchema, type CohortLimits };

/** A validated cohort request as a client sends it: seed and model may be left to the server. */
export type SubmittedCohort = Omit<CohortRequest, 'seed' | 'model'> & { seed?: number; model?: string };

/** Defaults of a cohort request: both sexes alike, four adult age bands alike, PA films, no findings, templates. */
export const COHORT_DEFAULTS = {
  sex: { F: 1, M: 1 },
  ageBands: { '20-39': 1, '40-59': 1, '60-79': 1, '80-99': 1 } as Record<AgeBand, number>,
  view: { PA: 1 },
  findings: {} as Partial<Record<CohortFinding, number>>,
  layout: 'templates' as const,
};

/**
 * Validates a cohort request and fills in the documented defaults: the one check the API and the CLI share. Throws
 * INVALID_FIELD (400) naming the field and the rule.
 */
export function parseCohortRequest(value: unknown, limits: CohortLimits): SubmittedCohort & { idempotencyKey?: string } {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ChexgenError('INVALID_FIELD', 'body: expected a JSON object (Content-Type: application/json)', { field: 'body', status: 400 });
  }
  const parsed = cohortRequestSchema(limits).safeParse(value);
  if (!parsed.success) throw zodIssuesToError(parsed.error);
  const request = parsed.data;
  return {
    ...request,
    sex: request.sex ?? COHORT_DEFAULTS.sex,
    ageBands: (request.ageBands as Record<AgeBand, number> | undefined) ?? COHORT_DEFAULTS.ageBands,
    view: request.view ?? COHORT_DEFAULTS.view,
    findings: request.findings ?? COHORT_DEFAULTS.findings,
    layout: request.layout ?? COHORT_DEFAULTS.layout,
  };
}
