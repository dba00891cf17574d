/**
 * A sampler for rectified-flow models (docs/model-contract.md): x_t = (1 - t) x0 + t noise, the model predicts the
 * velocity v = noise - x0, t runs from 1 (pure noise) to 0. Modelled on diffusers' schedulers: `setTimesteps(n)`
 * builds the grid, `step()` moves the sample from `timesteps[i]` to `timesteps[i + 1]`.
 */
export interface FlowScheduler {
  /** Registry name, e.g. 'dpmpp-2m'. */
  readonly name: string;
  /** n + 1 values from 1 to 0 after setTimesteps(n); the model is evaluated at the first n. */
  readonly timesteps: Float64Array;
  /** Builds the grid for n model evaluations and clears any history. Throws RangeError for a bad n. */
  setTimesteps(n: number): void;
  /**
   * One update from timesteps[index] to timesteps[index + 1].
   * @param velocity model output at (sample, timesteps[index]) - after guidance
   * @param index step index, 0..n-1, called in order
   * @param sample x at timesteps[index]
   * @returns x at timesteps[index + 1] (a new array)
   */
  step(velocity: Float32Array, index: number, sample: Float32Array): Float32Array;
}

/** Schedule settings read from model.json `schedule` (shift: t' = shift t / (1 + (shift - 1) t)). */
export type FlowScheduleConfig = { shift: number };
