import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** models/training: the Python evaluator's working directory. */
export const TRAINING_DIR = fileURLToPath(new URL('../../../models/training/', import.meta.url));

/**
 * Runs `/usr/bin/python3 -m chexgen_train.evaluation <args>` in models/training with inherited stdio and resolves
 * when it exits 0. OPENBLAS_CORETYPE is removed from its environment: Debian's torch runs wrong/slow with it set.
 * OpenBLAS gets one thread unless told otherwise: the evaluator's matrices are small (128-d features), and threaded
 * BLAS on them ran 7x slower than one thread while the cores were busy.
 */
export async function runPythonEvaluator(args: string[], python = '/usr/bin/python3'): Promise<void> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  env.OPENBLAS_NUM_THREADS ??= '1';
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(python, ['-m', 'chexgen_train.evaluation', ...args], { cwd: TRAINING_DIR, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`python -m chexgen_train.evaluation ${args[0] ?? ''} failed (${signal ?? code})`));
    });
  });
}
