import { ChexgenError } from '../errors.js';
import type { JobError } from './jobTypes.js';

/** Error codes of a full disk or quota: the file system's and SQLite's. */
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/**
 * What a failed job records: a ChexgenError as it is, a full disk (ENOSPC, EDQUOT, SQLITE_FULL) as STORAGE_FULL with
 * the system's message (the operator must free space), anything else as INTERNAL (a bug).
 */
export function jobErrorOf(error: unknown): JobError {
  if (error instanceof ChexgenError) return error.toJSON();
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && STORAGE_FULL_CODES.has(code)) {
    return { code: 'STORAGE_FULL', message: `the disk is full: ${message}; free space in CHEXGEN_DATA_DIR and submit the job again` };
  }
  return { code: 'INTERNAL', message: `internal error: ${message}` };
}
