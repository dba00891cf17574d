import type { BoxCondition, Sex, View } from '../conditions/conditionTypes.js';
import type { JobStatus } from '../jobs/jobTypes.js';
import type { CohortFinding } from './findings.js';

/** An age band `"lo-hi"` in whole years, both ends included; how far a cohort is (the contract's types). */
export type { AgeBand, CohortProgress } from '../contract/index.js';
import type { AgeBand, CohortProgress } from '../contract/index.js';

/**
 * A validated cohort request as stored: the distributions subjects are drawn from (relative weights; findings as
 * independent prevalences 0-1), the layout source, the seed (fixed at submission) and the synthesis settings every
 * subject shares.
 */
export type CohortRequest = {
  size: number;
  seed: number;
  sex: Partial<Record<Sex, number>>;
  ageBands: Record<AgeBand, number>;
  view: Partial<Record<View, number>>;
  findings: Partial<Record<CohortFinding, number>>;
  layout: 'templates' | 'annotations';
  steps?: number;
  guidance?: number;
  spatialGuidance?: number;
  sampler?: string;
  model: string;
};

/** One planned subject: what is asked of the model for it. */
export type CohortSubject = {
  index: number;
  sex: Sex;
  age: number;
  ageBand: AgeBand;
  view: View;
  findings: CohortFinding[];
  text: string;
  boxes: BoxCondition[];
  maskLabels: string[];
  layout: string;
  seed: number;
};

/** A cohort as the service reports it; its status is derived from its subjects' jobs. */
export type Cohort = {
  id: string;
  request: CohortRequest;
  status: JobStatus;
  progress: CohortProgress;
  cancelRequested: boolean;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
};
