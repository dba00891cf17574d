import type { FlowScheduleConfig } from './FlowScheduler.js';

/** Largest number of model evaluations a grid may have. */
export const MAX_STEPS = 1000;

/**
 * Checks schedule settings from model.json `schedule`.
 * @throws RangeError naming `shift` when it is not a finite number > 0
 */
export function assertFlowScheduleConfig(config: FlowScheduleConfig): void {
  if (!Number.isFinite(config.shift) || config.shift <= 0) {
    throw new RangeError(`shift must be a finite number > 0, got ${String(config.shift)}`);
  }
}

/**
 * The rectified-flow timestep grid for n model evaluations: n + 1 values from 1 (noise) to 0 (data),
 * t_i = shift u_i / (1 + (shift - 1) u_i) with u_i = 1 - i / n (SD3, Esser et al. 2024, eq. 23; shift > 1 spends
 * more steps at high noise). The ends are exact: t_0 = 1 and t_n = 0 for every shift.
 * @example flowTimesteps(4, 1) // Float64Array [1, 0.75, 0.5, 0.25, 0]
 * @throws RangeError naming `steps` unless n is an integer from 1 to {@link MAX_STEPS}, or naming `shift`
 */
export function flowTimesteps(n: number, shift: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > MAX_STEPS) {
    throw new RangeError(`steps must be an integer from 1 to ${MAX_STEPS}, got ${String(n)}`);
  }
  assertFlowScheduleConfig({ shift });
  const timesteps = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const u = 1 - i / n;
    timesteps[i] = (shift * u) / (1 + (shift - 1) * u);
  }
  return timesteps;
}
