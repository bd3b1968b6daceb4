import { spawn } from 'node:child_process';
import { findPid, treeCpuSeconds } from '../lib/proccpu';

test('the CPU time of a process tree counts its busy grandchild, found by a marker on the command line', async () => {
  const marker = `muse-proccpu-${process.pid}-${Date.now()}`;
  // A shell whose child spins for 2 s: the spinning happens in the grandchild of this process.
  const sh = spawn('sh', ['-c', `node -e "const t = Date.now(); while (Date.now() - t < 2000) {}" ${marker}; sleep 0.1`], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    expect(findPid(marker)).not.toBeNull();
    const a = treeCpuSeconds(sh.pid!);
    await new Promise((r) => setTimeout(r, 1000));
    const b = treeCpuSeconds(sh.pid!);
    // Most of one core for a second (the machine is shared: at least a third of it), and not more than a second.
    expect(b - a).toBeGreaterThan(0.33);
    expect(b - a).toBeLessThan(1.2);
    // An idle process tree (this shell alone, once its child is gone) adds nothing.
    expect(treeCpuSeconds(999_999_999)).toBe(0);
  } finally {
    sh.kill('SIGKILL');
  }
});
