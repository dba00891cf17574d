import { FlowSchedulerBase } from './FlowSchedulerBase.js';

/**
 * Deterministic DDIM (eta = 0; Song et al. 2021, eq. 12) in the rectified-flow parameterisation alpha_t = 1 - t,
 * sigma_t = t: predict x0 and the noise, then re-noise to the next t.
 *
 * For rectified flow this is algebraically the same update as {@link EulerFlowScheduler}:
 * (1 - t') (x - t v) + t' (x + (1 - t) v) = x + (t' - t) v. It exists as a name users know and differs from Euler
 * only by float rounding.
 */
export class DdimFlowScheduler extends FlowSchedulerBase {
  readonly name = 'ddim';

  protected update(velocity: Float32Array, index: number, sample: Float32Array): Float32Array {
    const t = this.timesteps[index];
    const tNext = this.timesteps[index + 1];
    const next = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      // 1. Predictions from the velocity (docs/model-contract.md): x0 = x - t v, eps = x + (1 - t) v.
      const x0 = sample[k] - t * velocity[k];
      const eps = sample[k] + (1 - t) * velocity[k];
      // 2. Eq. 12 with eta = 0: x_{t'} = alpha_{t'} x0 + sigma_{t'} eps.
      next[k] = (1 - tNext) * x0 + tNext * eps;
    }
    return next;
  }
}
