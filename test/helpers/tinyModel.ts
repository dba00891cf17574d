import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './runCommand.js';

const TRAINING_DIR = fileURLToPath(new URL('../../models/training/', import.meta.url));

/**
 * Writes a tiny random-weight model folder (`<root>/model`) with the real export code (chexgen_train.parity), so
 * pipeline tests run real onnxruntime graphs in a second. Needs Debian's torch (/usr/bin/python3).
 */
export async function makeTinyModel(): Promise<{ modelsDir: string; name: string }> {
  const root = await mkdtemp(join(tmpdir(), 'chexgen-tiny-'));
  const result = await runCommand('/usr/bin/python3', ['-m', 'chexgen_train.parity', '--out', root], { cwd: TRAINING_DIR, timeoutMs: 600_000 });
  if (result.code !== 0) throw new Error(`chexgen_train.parity failed (${result.code}):\n${result.stderr}`);
  return { modelsDir: root, name: 'model' };
}
