// CPU and memory of a process, and of the whole machine, read from Linux's /proc (bench:load).
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every Linux the project runs on). */
export const CLOCK_TICKS = 100;

export interface ProcTimes {
  /** utime + stime of the process, in clock ticks. */
  ticks: number;
  /** Threads of the process. */
  threads: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces or
 * parentheses itself, so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcTimes {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  // After ')' come field 3 (state) onwards; utime is field 14, stime 15, num_threads 20.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const utime = field(14);
  const stime = field(15);
  const threads = field(20);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/<pid>/stat has no utime/stime: ${JSON.stringify(text.slice(0, 80))}`);
  return { ticks: utime + stime, threads };
}

/** VmRSS from /proc/<pid>/status, in kB (0 when the line is missing, as for a zombie). */
export function parseVmRssKb(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export interface MachineTimes {
  /** All CPU time since boot, summed over cores, in ticks. */
  total: number;
  /** Idle + iowait, in ticks. */
  idle: number;
}

/** The aggregate "cpu" line of /proc/stat. */
export function parseMachineStat(text: string): MachineTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already inside user/nice).
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, idle: v[3] + (v[4] ?? 0) };
}

/** CPU use between two readings of one process, in % of one core (200 % = both cores of this machine). */
export function cpuPercent(a: ProcTimes, b: ProcTimes, seconds: number, hz = CLOCK_TICKS): number {
  if (seconds <= 0) return 0;
  return ((b.ticks - a.ticks) / hz / seconds) * 100;
}

/** Busy share of the whole machine between two readings, in % of all cores. */
export function machineBusyPercent(a: MachineTimes, b: MachineTimes): number {
  const total = b.total - a.total;
  return total > 0 ? (1 - (b.idle - a.idle) / total) * 100 : 0;
}

export function readProcTimes(pid: number): ProcTimes {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function readRssKb(pid: number): number {
  return parseVmRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export function readMachineTimes(): MachineTimes {
  return parseMachineStat(readFileSync('/proc/stat', 'utf8'));
}

/** Samples a set of processes' CPU and peak RSS over a window (RSS every `everyMs`). */
export class ProcSampler {
  private readonly start = new Map<number, ProcTimes>();
  private readonly peakRss = new Map<number, number>();
  private machine0: MachineTimes;
  private t0 = performance.now();
  private timer: ReturnType<typeof setInterval>;

  constructor(private readonly pids: number[], everyMs = 1000) {
    for (const pid of pids) this.start.set(pid, readProcTimes(pid));
    this.machine0 = readMachineTimes();
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), everyMs);
  }

  private sampleRss(): void {
    for (const pid of this.pids) {
      try {
        this.peakRss.set(pid, Math.max(this.peakRss.get(pid) ?? 0, readRssKb(pid)));
      } catch {
        /* the process ended: keep its last peak */
      }
    }
  }

  /** Stops sampling: CPU % of one core per pid, peak RSS (kB) per pid, machine busy % of all cores. */
  finish(): { seconds: number; cpu: Map<number, number>; rssKb: Map<number, number>; machineBusy: number } {
    clearInterval(this.timer);
    this.sampleRss();
    const seconds = (performance.now() - this.t0) / 1000;
    const cpu = new Map<number, number>();
    for (const pid of this.pids) {
      try {
        cpu.set(pid, cpuPercent(this.start.get(pid)!, readProcTimes(pid), seconds));
      } catch {
        cpu.set(pid, Number.NaN);
      }
    }
    return { seconds, cpu, rssKb: new Map(this.peakRss), machineBusy: machineBusyPercent(this.machine0, readMachineTimes()) };
  }
}
