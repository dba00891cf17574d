import { describe, expect, it } from 'vitest';
import { JobMetrics, percentile } from './JobMetrics.js';

describe('JobMetrics', () => {
  it('when percentiles are taken, then they use the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it('when images finish, then the rate counts only the window and latencies give p50/p95', () => {
    let t = 0;
    const metrics = new JobMetrics(() => t, 60_000);
    expect(metrics.snapshot()).toMatchObject({ imagesPerMinute: 0, imagesTotal: 0, latencyMs: { p50: null, p95: null } });
    for (const ms of [100, 200, 300, 400]) {
      metrics.recordImage(ms);
      t += 10_000;
    }
    expect(metrics.snapshot()).toMatchObject({ imagesPerMinute: 4, imagesTotal: 4, latencyMs: { p50: 200, p95: 400, sampleSize: 4 } });
    t += 25_000; // t = 65 s: the first image (t = 0) left the 60 s window
    expect(metrics.snapshot().imagesPerMinute).toBe(3);
  });
});
