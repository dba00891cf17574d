import { describe, expect, it } from 'vitest';
import { isDicomUid } from '../pacs/dicomUid.js';
import { jobUid, jobWriterContext } from './jobWriterContext.js';

describe('jobWriterContext', () => {
  const software = { name: 'chexgen', version: 'test' };

  it('when the same job and image are built twice, then the UIDs and the clock repeat', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const a = jobWriterContext('job-1', 0, at, software);
    const b = jobWriterContext('job-1', 0, at, software);
    const uidsA = [a.uid(), a.uid(), a.uid()];
    expect([b.uid(), b.uid(), b.uid()]).toEqual(uidsA);
    expect(new Set(uidsA).size).toBe(3);
    expect(a.now().toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it('when the job or the image index differs, then the UIDs differ; all are valid 2.25 UIDs of at most 44 chars', () => {
    const uids = [jobUid('job-1', 0, 0), jobUid('job-1', 1, 0), jobUid('job-2', 0, 0)];
    expect(new Set(uids).size).toBe(3);
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.[1-9][0-9]*$/);
      expect(uid.length).toBeLessThanOrEqual(44);
      expect(isDicomUid(uid)).toBe(true);
    }
  });
});
