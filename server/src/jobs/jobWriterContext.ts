import { createHash } from 'node:crypto';
import { uuidToUid } from '../dicom/createUidGenerator.js';
import type { SoftwareIdentity, WriterContext } from '../dicom/WriterContext.js';

/**
 * The UID of the `n`-th UID a writer asks for while building image `imageIndex` of job `jobId`: `2.25.<decimal>` of
 * a name-based UUID (version 8, RFC 9562) made from sha256(`chexgen-job/<jobId>/<imageIndex>/<n>`). At most 44
 * characters, like every 2.25 UID.
 */
export function jobUid(jobId: string, imageIndex: number, n: number): string {
  const hash = createHash('sha256').update(`chexgen-job/${jobId}/${imageIndex}/${n}`).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  return uuidToUid(bytes.toString('hex'));
}

/**
 * A {@link WriterContext} whose UIDs and clock depend only on the job and the image index: building the study of
 * image i of a job again (after a crash) gives the same Study/Series/SOP Instance UIDs and dates, so storing it again
 * is an idempotent STOW of the same instances and the store keeps exactly one copy. `createdAt` is the job's
 * submission time; the writers call `uid()` in a fixed order, so the n-th call always names the same object.
 */
export function jobWriterContext(jobId: string, imageIndex: number, createdAt: Date, software: SoftwareIdentity): WriterContext {
  let n = 0;
  return { uid: () => jobUid(jobId, imageIndex, n++), now: () => new Date(createdAt.getTime()), software };
}
