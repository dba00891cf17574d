import { DEFAULT_SAMPLER, SAMPLER_NAMES, type SamplerName } from '../../contract/index.js';
import { ChexgenError } from '../../errors.js';
import { DdimFlowScheduler } from './DdimFlowScheduler.js';
import { DpmSolverPlusPlus2MFlowScheduler } from './DpmSolverPlusPlus2MFlowScheduler.js';
import { EulerFlowScheduler } from './EulerFlowScheduler.js';
import type { FlowScheduleConfig, FlowScheduler } from './FlowScheduler.js';

export type { FlowScheduleConfig, FlowScheduler } from './FlowScheduler.js';
export { DdimFlowScheduler, DpmSolverPlusPlus2MFlowScheduler, EulerFlowScheduler };
export { MAX_STEPS, flowTimesteps } from './flowTimesteps.js';

/** Sampler names a request may give, default first (the contract's list: server/src/contract/vocabulary.ts). */
export const SCHEDULER_NAMES = SAMPLER_NAMES;

/** One of {@link SCHEDULER_NAMES}. */
export type SchedulerName = SamplerName;

/** The sampler used when a request names none. */
export const DEFAULT_SCHEDULER: SchedulerName = DEFAULT_SAMPLER;

const SCHEDULERS: Record<SchedulerName, new (config: FlowScheduleConfig) => FlowScheduler> = {
  'dpmpp-2m': DpmSolverPlusPlus2MFlowScheduler,
  euler: EulerFlowScheduler,
  ddim: DdimFlowScheduler,
};

/** Whether `name` is one of {@link SCHEDULER_NAMES}. */
export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/**
 * A fresh scheduler by registry name.
 * @example createScheduler('dpmpp-2m', manifest.schedule).setTimesteps(20)
 * @throws ChexgenError `INVALID_FIELD` with field `sampler` for an unknown name, listing the supported ones
 * @throws RangeError naming `shift` for a bad config
 */
export function createScheduler(name: string, config: FlowScheduleConfig): FlowScheduler {
  if (!isSchedulerName(name)) {
    throw new ChexgenError(
      'INVALID_FIELD',
      `unknown sampler '${name}'; supported: ${SCHEDULER_NAMES.join(', ')}`,
      { field: 'sampler' },
    );
  }
  return new SCHEDULERS[name](config);
}
