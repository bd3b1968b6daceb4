// CPU time of a process tree from /proc (Linux): a browser launched for a benchmark and all its
// children (renderer, GPU/audio utility processes), so a bench can print CPU per side.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** pid → [ppid, utime + stime ticks] for every process readable now. */
function table(): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may hold spaces: split after its closing parenthesis.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), [Number(f[1]), Number(f[11]) + Number(f[12])]);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The pid of the process whose command line contains `marker` and whose parent's does not (the
 *  root of a browser started through a wrapper, such as `ip netns exec`), or null. */
export function findPid(marker: string): number | null {
  const matches = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) matches.add(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  const t = table();
  for (const pid of matches) if (!matches.has(t.get(pid)?.[0] ?? -1)) return pid;
  return null;
}

/** CPU seconds used so far by `root` and its descendants (the ones still alive). */
export function treeCpuSeconds(root: number): number {
  const t = table();
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of t) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    ticks += t.get(pid)?.[1] ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_S;
}
