import { ChexgenError } from '../errors.js';
import { planSynthesis } from '../synthesis/planSynthesis.js';
import type { ModelDescription, SynthesisPlan } from '../synthesis/synthesize.js';
import type { SynthesisJobRequest } from './jobTypes.js';

/** INVALID_FIELD (400) on `model` unless `name` is the loaded model's model.json name. */
export function assertLoadedModel(name: string, model: ModelDescription): void {
  if (name !== model.manifest.name) {
    throw new ChexgenError('INVALID_FIELD', `model: "${name}" is not loaded; this server runs ${model.manifest.name}`, {
      field: 'model', status: 400,
    });
  }
}

/**
 * The plan of a stored job request on the loaded model: called once when the job is submitted (a request the model
 * cannot run is refused with 400, and the plan's steps become the job's progress) and once when it runs. The job
 * row keeps the validated request, not the plan: planning is deterministic, so a run after a restart plans the same.
 */
export function planJob(request: SynthesisJobRequest, model: ModelDescription): SynthesisPlan {
  assertLoadedModel(request.model, model);
  return planSynthesis(request, model.manifest).plan;
}
