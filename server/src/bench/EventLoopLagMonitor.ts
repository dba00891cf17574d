/**
 * Measures how late a `setInterval` timer fires while something else runs on the same event loop: the largest
 * (actual gap - interval), in ms. A loop that stays responsive keeps this near zero; a synchronous call of T ms on
 * the main thread shows up as about T.
 */
export class EventLoopLagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private maxLagMs = 0;
  private ticks = 0;

  constructor(private readonly intervalMs = 10, private readonly now: () => number = () => performance.now()) {}

  /** Starts (or restarts) watching; the maximum starts from zero. */
  start(): void {
    this.stop();
    this.maxLagMs = 0;
    this.ticks = 0;
    this.last = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops watching and returns the largest lag seen since start(), in ms (the tail up to now included). */
  stop(): number {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.tick();
    }
    return this.maxLagMs;
  }

  /** Timer callbacks seen since start(). */
  get tickCount(): number {
    return this.ticks;
  }

  private tick(): void {
    const t = this.now();
    this.maxLagMs = Math.max(this.maxLagMs, t - this.last - this.intervalMs);
    this.last = t;
    this.ticks++;
  }
}
