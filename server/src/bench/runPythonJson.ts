import { spawn } from 'node:child_process';

/** How to run a helper of the model kit (`python -m chexgen_train.<module>`). */
export type PythonRun = {
  python: string;
  /** Folder holding the chexgen_train package (models/training). */
  cwd: string;
  module: string;
  args: string[];
  /** Variables set in the child only where the inherited environment does not set them. */
  envDefaults?: Record<string, string>;
  timeoutMs: number;
  /** Called with each stderr line (progress). */
  onLine?: (line: string) => void;
};

/**
 * Runs a model-kit helper that prints one JSON line last on stdout, and returns that object.
 * @throws Error with the exit status and stderr tail when it fails, times out or prints no JSON line
 */
export function runPythonJson(run: PythonRun): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.python, ['-m', `chexgen_train.${run.module}`, ...run.args], {
      cwd: run.cwd,
      env: { ...run.envDefaults, ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') run.onLine?.(line);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    const what = `${run.python} -m chexgen_train.${run.module}`;
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          const value: unknown = JSON.parse(last);
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) return resolve(value as Record<string, unknown>);
        } catch {
          // fall through to the error below
        }
      }
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${what} failed (${signal ?? `exit ${code}`}); last stdout line: ${JSON.stringify(last)}\n${tail}`));
    });
  });
}
