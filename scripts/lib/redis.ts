// Runs Debian's redis-server on loopback for LiveKit's distributed mode (several SFU nodes).
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { SetupError } from './livekit';

export interface RunningRedis {
  address: string;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Starts a throwaway redis-server (no persistence) on 127.0.0.1:`port`. */
export async function startRedis(port: number): Promise<RunningRedis> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    throw new SetupError("redis-server is not installed. Install it with: apt-get install -y redis-server");
  }
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  while (!(await ping(port))) {
    if (child.exitCode !== null) throw new SetupError(`redis-server exited with code ${child.exitCode} (is port ${port} taken?)`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new SetupError(`redis-server did not answer on 127.0.0.1:${port} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
