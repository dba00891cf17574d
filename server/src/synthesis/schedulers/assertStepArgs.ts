/**
 * Checks one `FlowScheduler.step` call against the scheduler's state. These are programming errors (the sampling loop
 * is wrong), so they are plain `Error`s, not `ChexgenError`s.
 * @param scheduler registry name, for the message
 * @param timesteps the current grid (empty before setTimesteps)
 * @param expectedIndex the index the next call must carry: 0 after setTimesteps, then one more per step
 * @throws Error before setTimesteps, for an index out of order or past the grid, or for arrays of different lengths
 */
export function assertStepArgs(
  scheduler: string,
  timesteps: Float64Array,
  expectedIndex: number,
  index: number,
  velocity: Float32Array,
  sample: Float32Array,
): void {
  if (timesteps.length === 0) throw new Error(`${scheduler}: call setTimesteps(n) before step()`);
  const steps = timesteps.length - 1;
  if (!Number.isInteger(index) || index < 0 || index >= steps) {
    throw new Error(`${scheduler}: step index ${String(index)} is out of range 0..${steps - 1}`);
  }
  if (expectedIndex >= steps) {
    throw new Error(`${scheduler}: all ${steps} steps are done; call setTimesteps(n) to start a new loop`);
  }
  if (index !== expectedIndex) {
    throw new Error(`${scheduler}: step index ${index} is out of order, expected ${expectedIndex}`);
  }
  if (velocity.length !== sample.length) {
    throw new Error(`${scheduler}: velocity has ${velocity.length} values but sample has ${sample.length}`);
  }
}
