import { readFileSync } from 'node:fs';

/** Busy and total CPU time of the whole machine from /proc/stat (Linux), in ms; undefined where unreadable. */
function machineCpuMs(): { busyMs: number; totalMs: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
    const jiffyMs = 10; // USER_HZ = 100 on Linux
    const busy = user + nice + system + irq + softirq + steal;
    return { busyMs: busy * jiffyMs, totalMs: (busy + idle + iowait) * jiffyMs };
  } catch {
    return undefined;
  }
}

/**
 * How busy the machine was with work other than this process between start() and stop(): (machine busy time -
 * this process's CPU time, all its threads) / machine CPU time, in percent. A benchmark figure taken while this is
 * high was shared with a neighbour. Child processes are "other" too.
 */
export class OtherCpuLoad {
  private machine = machineCpuMs();
  private own = process.cpuUsage();

  /** Starts a new interval. */
  start(): void {
    this.machine = machineCpuMs();
    this.own = process.cpuUsage();
  }

  /** Percent of the machine's CPU time used by others since start(), or null where /proc/stat is unreadable. */
  stop(): number | null {
    const end = machineCpuMs();
    if (end === undefined || this.machine === undefined) return null;
    const own = process.cpuUsage(this.own);
    const ownMs = (own.user + own.system) / 1000;
    const totalMs = end.totalMs - this.machine.totalMs;
    if (totalMs <= 0) return null;
    return Math.max(0, Math.min(100, ((end.busyMs - this.machine.busyMs - ownMs) / totalMs) * 100));
  }
}
