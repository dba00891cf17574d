import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'chexgen.mjs');

/** A `chexgen` command running in a child process, with its output kept for failure messages. */
export type ChexgenProcess = { child: ChildProcessWithoutNullStreams; output: () => string; match: RegExpExecArray };

/**
 * Runs `chexgen <args>` with `env` added to this process's environment and resolves once a line of its output
 * matches `ready` (e.g. the server's "listening on" line), with that match; rejects when it exits first or after
 * `timeoutMs`.
 */
export async function spawnChexgen(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 90_000): Promise<ChexgenProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chexgen ${args.join(' ')} did not get ready:\n${output.slice(-4000)}`)), timeoutMs);
    const look = (): void => {
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`chexgen ${args.join(' ')} exited (${code ?? signal}):\n${output.slice(-4000)}`));
    });
  });
  return { child, output: () => output, match };
}

/** Resolves when the process has exited, with how. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Stops a child: SIGTERM, SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopProcess(child: ChildProcessWithoutNullStreams, graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return exited(child);
  const end = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const result = await end;
  clearTimeout(timer);
  return result;
}
