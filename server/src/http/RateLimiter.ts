/**
 * A fixed-window counter per key (e.g. sign-in attempts per client address): at most `limit` events per
 * `windowMs`. Keys are forgotten when their window has passed, and at most `maxKeys` are tracked (the oldest go).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly now: () => number;

  constructor(private readonly options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one event for `key`; returns 0 when it is allowed, else the seconds until the window ends
   * (for Retry-After).
   */
  take(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.options.windowMs) {
      this.windows.delete(key);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      this.evict();
    }
    window.count++;
    if (window.count <= this.options.limit) return 0;
    return Math.max(1, Math.ceil((window.start + this.options.windowMs - now) / 1000));
  }

  private evict(): void {
    const maxKeys = this.options.maxKeys ?? 10_000;
    while (this.windows.size > maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) return;
      this.windows.delete(oldest);
    }
  }
}
