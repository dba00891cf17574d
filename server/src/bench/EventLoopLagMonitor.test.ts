import { describe, expect, it } from 'vitest';
import { EventLoopLagMonitor } from './EventLoopLagMonitor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EventLoopLagMonitor', () => {
  it('when the loop is blocked for 60 ms, then the lag reported is about that long', async () => {
    const monitor = new EventLoopLagMonitor(5);
    monitor.start();
    await sleep(20);
    const end = performance.now() + 60;
    while (performance.now() < end) {
      // busy: the timer cannot fire
    }
    await sleep(20);
    const lag = monitor.stop();
    expect(lag).toBeGreaterThanOrEqual(50);
    expect(lag).toBeLessThan(1000);
    expect(monitor.tickCount).toBeGreaterThan(2);
  });

  it('when the clock is injected, then the lag is the largest gap minus the interval', () => {
    let t = 0;
    const monitor = new EventLoopLagMonitor(10, () => t);
    monitor.start();
    t = 35; // stop() takes a last reading: 35 - 0 - 10
    expect(monitor.stop()).toBe(25);
  });
});
