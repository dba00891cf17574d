import { Worker } from 'node:worker_threads';

/**
 * Starts the inference worker thread (inferenceWorker.ts / .js next to this module).
 *
 * - Compiled (dist/**.js): the sibling inferenceWorker.js is the worker's entry.
 * - TypeScript run directly (vitest, tsx): this module's URL ends in .ts and so does the worker's. Node 20 does not
 *   apply the parent's loader to a worker, and `execArgv: ['--import', 'tsx']` does not help either (measured on
 *   Node 20.20: "Unknown file extension .ts" for the worker's entry). What works: a small eval'd entry that
 *   registers tsx's ESM hooks inside the worker and then imports the .ts file. tsx is a devDependency and is only
 *   looked up in this case.
 */
export function spawnInferenceWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./inferenceWorker.js', self));
  const entry = new URL('./inferenceWorker.ts', self).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}
