import { spawnSync } from 'node:child_process';

/**
 * Whether the tests run in CI. CI must never skip silently: a runner without torch, Orthanc or dicom3tools is a
 * broken runner, so suites that would skip fail there instead. Most CIs set CI=true, some CI=1.
 */
export const inCi = (process.env.CI ?? '') !== '' && !['false', '0'].includes(process.env.CI ?? '');

/** Debian's torch is only visible to /usr/bin/python3, not to the pyenv python3 on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether Debian's Python can import torch, and if not, why. */
export function probeTorch(): { ok: boolean; reason: string } {
  const result = spawnSync(DEBIAN_PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (result.error) return { ok: false, reason: result.error.message };
  if (result.status !== 0) return { ok: false, reason: result.stderr.trim().split('\n').pop() ?? 'import failed' };
  return { ok: true, reason: '' };
}
