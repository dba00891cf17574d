import { z } from 'zod';
import { ChexgenError } from '../errors.js';
import { SCHEDULER_NAMES } from '../synthesis/schedulers/index.js';
import type { RequestLimits } from '../synthesis/synthesisRequest.js';
import { IDEMPOTENCY_KEY } from '../validation/idempotencyKey.js';
import { zodIssuesToError } from '../validation/zodIssuesToError.js';
import type { AgeBand, CohortRequest } from './cohortTypes.js';
import { COHORT_FINDING_NAMES, type CohortFinding } from './findings.js';

/** Cohort limits (CHEXGEN_MAX_COHORT_SIZE) on top of the synthesis ones. */
export type CohortLimits = Pick<RequestLimits, 'maxSteps'> & { maxCohortSize: number };

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

const AGE_BAND = /^(\d{1,3})-(\d{1,3})$/;

const weight = z.number().finite().min(0, 'weights must be >= 0').max(1e6);

function weights<K extends string>(keys: z.ZodType<K>, what: string) {
  return z
    .record(keys, weight)
    .refine((w) => Object.values(w).some((v) => (v as number) > 0), { message: `give at least one ${what} a weight > 0` });
}

/** The JSON shape of a cohort request (`POST /api/v1/cohorts`, `chexgen cohort`). Unknown fields are refused. */
export function cohortRequestSchema(limits: CohortLimits) {
  const ageBand = z.string().refine((band) => {
    const m = AGE_BAND.exec(band);
    return m !== null && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 120;
  }, 'age bands are "lo-hi" in whole years, lo <= hi <= 120') as unknown as z.ZodType<AgeBand>;
  return z
    .object({
      size: z.number().int().min(1).max(limits.maxCohortSize, `must be at most ${limits.maxCohortSize} (CHEXGEN_MAX_COHORT_SIZE)`),
      seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
      sex: weights(z.enum(['F', 'M']), 'sex').optional(),
      ageBands: weights(ageBand, 'age band').refine((w) => Object.keys(w).length <= 24, 'at most 24 age bands').optional(),
      view: weights(z.enum(['PA', 'AP', 'AP supine', 'lateral']), 'view').optional(),
      findings: z.record(z.enum(COHORT_FINDING_NAMES as [CohortFinding, ...CohortFinding[]]), z.number().min(0).max(1, 'a prevalence is between 0 and 1')).optional(),
      layout: z.enum(['templates', 'annotations']).optional(),
      steps: z.number().int().min(1).max(limits.maxSteps, `must be at most ${limits.maxSteps} (CHEXGEN_MAX_STEPS)`).optional(),
      guidance: z.number().min(0).max(20).optional(),
      spatialGuidance: z.number().min(0).max(20).optional(),
      sampler: z.enum(SCHEDULER_NAMES).optional(),
      model: z.string().min(1).max(128).optional(),
      idempotencyKey: z.string().regex(IDEMPOTENCY_KEY, '1-200 printable ASCII characters, no spaces').optional(),
    })
    .strict();
}

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
