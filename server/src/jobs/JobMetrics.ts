/** A snapshot of {@link JobMetrics}. */
export type ImageMetrics = {
  /** Images finished in the last `windowSeconds`, scaled to one minute. */
  imagesPerMinute: number;
  windowSeconds: number;
  /** Images finished since the process started. */
  imagesTotal: number;
  /** Wall time per image (generation, DICOM, preview, outbox) over the last `sampleSize` images; null before any. */
  latencyMs: { p50: number | null; p95: number | null; sampleSize: number };
};

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/**
 * Image throughput and latency of this process, kept in memory (a restart starts from zero): the finish times of
 * the images of the last window and the latencies of the last `capacity` images.
 */
export class JobMetrics {
  private readonly finishedAt: number[] = [];
  private readonly latencies: number[] = [];
  private total = 0;

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly windowMs = 300_000,
    private readonly capacity = 1000,
  ) {}

  /** Records one finished image and how long it took. */
  recordImage(latencyMs: number): void {
    this.total++;
    this.finishedAt.push(this.now());
    this.latencies.push(latencyMs);
    if (this.latencies.length > this.capacity) this.latencies.shift();
    this.prune();
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.finishedAt.length > 0 && this.finishedAt[0] < cutoff) this.finishedAt.shift();
  }

  snapshot(): ImageMetrics {
    this.prune();
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const round = (v: number | null) => (v === null ? null : Math.round(v));
    return {
      imagesPerMinute: Math.round((this.finishedAt.length / (this.windowMs / 60_000)) * 100) / 100,
      windowSeconds: this.windowMs / 1000,
      imagesTotal: this.total,
      latencyMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), sampleSize: sorted.length },
    };
  }
}
