import { FlowSchedulerBase } from './FlowSchedulerBase.js';

/**
 * DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095, Algorithm 2): multistep second order on the data prediction
 * x0_hat = x - t v, with alpha_t = 1 - t, sigma_t = t and lambda_t = log(alpha_t / sigma_t). The formulas follow
 * diffusers' `DPMSolverMultistepScheduler` (algorithm_type 'dpmsolver++', solver_type 'midpoint').
 *
 * - The first step is first order (DDIM), having no previous x0_hat.
 * - The last step, to t = 0 (sigma = 0, lambda = +inf), is first order too and lands on x0_hat (diffusers'
 *   final_sigmas_type 'zero').
 * - Since the grid starts at t = 1 (lambda = -inf), the step size h_0 behind the second step is infinite and its
 *   correction term vanishes, so the first step with a non-zero correction is the third.
 *
 * History (the previous x0_hat) lives in the instance; setTimesteps clears it.
 */
export class DpmSolverPlusPlus2MFlowScheduler extends FlowSchedulerBase {
  readonly name = 'dpmpp-2m';
  private previousX0: Float64Array | undefined;

  protected override reset(): void {
    this.previousX0 = undefined;
  }

  protected update(velocity: Float32Array, index: number, sample: Float32Array): Float32Array {
    const steps = this.timesteps.length - 1;
    const t = this.timesteps[index]; // s0 in diffusers; > 0 for every evaluated index
    const tNext = this.timesteps[index + 1]; // t in diffusers

    // 1. Data prediction (docs/model-contract.md): x0_hat = x - t v.
    const x0 = new Float64Array(sample.length);
    for (let k = 0; k < sample.length; k++) x0[k] = sample[k] - t * velocity[k];

    // 2. First-order coefficients (paper eq. 5 / Algorithm 2 line 3): x' = (sigma' / sigma) x - alpha' (e^{-h} - 1) D.
    //    With e^{-h} = (sigma' alpha) / (alpha' sigma) the second factor is rational and finite at both ends:
    //    -alpha' (e^{-h} - 1) = (1 - t') - t' (1 - t) / t, which is 1 when t' = 0 (x' = x0_hat) and 1 - t' when t = 1.
    const sigmaRatio = tNext / t;
    const dataWeight = 1 - tNext - (tNext * (1 - t)) / t;

    // 3. Second-order correction (Algorithm 2 lines 5-7, 'midpoint'): D = D0 + D1 / 2, D1 = (m0 - m1) / r0,
    //    r0 = h_0 / h. Skipped on the first step and on the final step to t = 0.
    let correctionWeight = 0; // 1 / (2 r0)
    const previous = this.previousX0;
    if (previous !== undefined && index < steps - 1) {
      const tPrevious = this.timesteps[index - 1];
      const h = logSnr(tNext) - logSnr(t);
      const h0 = logSnr(t) - logSnr(tPrevious); // +inf when tPrevious = 1: no correction
      correctionWeight = Number.isFinite(h0) ? h / (2 * h0) : 0;
    }

    // 4. Update, in float64, rounded once into the output.
    const next = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const d = previous === undefined ? x0[k] : x0[k] + correctionWeight * (x0[k] - previous[k]);
      next[k] = sigmaRatio * sample[k] + dataWeight * d;
    }
    this.previousX0 = x0;
    return next;
  }
}

/** lambda_t = log(alpha_t / sigma_t) = log((1 - t) / t): -inf at t = 1, +inf at t = 0. */
function logSnr(t: number): number {
  return Math.log1p(-t) - Math.log(t);
}
