// Finds, builds and runs the real livekit-server (v1.13.5) for development, start-up and tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET } from '../../server/src/config';
import { log } from '../../server/src/log';
import { ROOT } from './paths';

export const LIVEKIT_VERSION = '1.13.5';
export const LIVEKIT_MODULE = 'github.com/livekit/livekit-server/cmd/server';
const CACHE_BIN_DIR = path.join(ROOT, '.cache', 'livekit', 'bin');
const MIN_GO = [1, 25];


export class SetupError extends Error {}

function versionOf(bin: string): string | null {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  const m = /version\s+v?(\d+\.\d+\.\d+)/.exec(out.stdout + out.stderr);
  return m ? m[1] : null;
}

function onPath(name: string): string | null {
  const out = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

/** The livekit-server binary to run: $MUSE_LIVEKIT_BIN, a livekit-server on PATH, or our cached build. */
export function findLiveKit(): string | null {
  const fromEnv = process.env.MUSE_LIVEKIT_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new SetupError(`MUSE_LIVEKIT_BIN points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const system = onPath('livekit-server');
  if (system && versionOf(system)) return system;
  const cached = path.join(CACHE_BIN_DIR, 'server');
  if (existsSync(cached) && versionOf(cached) === LIVEKIT_VERSION) return cached;
  return null;
}

function checkGo(): string {
  const go = onPath('go');
  if (!go) {
    throw new SetupError(
      `livekit-server is not installed and Go is missing: install Go ${MIN_GO.join('.')} or newer (https://go.dev/doc/install, or 'apt-get install golang'), or put livekit-server v${LIVEKIT_VERSION} on PATH.`,
    );
  }
  const out = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const m = /go(\d+)\.(\d+)/.exec(out);
  if (!m || Number(m[1]) < MIN_GO[0] || (Number(m[1]) === MIN_GO[0] && Number(m[2]) < MIN_GO[1])) {
    throw new SetupError(`Go ${out || 'unknown'} is too old to build livekit-server v${LIVEKIT_VERSION}: install Go ${MIN_GO.join('.')} or newer.`);
  }
  return go;
}

/** Builds livekit-server into .cache/livekit/bin with `go install` (a few minutes, once). */
export function buildLiveKit(): string {
  const go = checkGo();
  mkdirSync(CACHE_BIN_DIR, { recursive: true });
  log.info('livekit.build.start', { module: `${LIVEKIT_MODULE}@v${LIVEKIT_VERSION}`, into: CACHE_BIN_DIR, note: 'first time only; takes a few minutes' });
  const started = Date.now();
  const result = spawnSync(go, ['install', `${LIVEKIT_MODULE}@v${LIVEKIT_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: CACHE_BIN_DIR, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
  });
  if (result.status !== 0) {
    throw new SetupError(
      `go install ${LIVEKIT_MODULE}@v${LIVEKIT_VERSION} failed (see above). If the module proxy refused a module, that module is named in the error.`,
    );
  }
  const bin = path.join(CACHE_BIN_DIR, 'server');
  log.info('livekit.build.done', { bin, seconds: Math.round((Date.now() - started) / 1000) });
  return bin;
}

export function ensureLiveKit(): string {
  return findLiveKit() ?? buildLiveKit();
}

export interface LiveKitOptions {
  /** Signalling port (HTTP/WebSocket). */
  port?: number;
  /** The single UDP port for media. */
  udpPort?: number;
  apiKey?: string;
  apiSecret?: string;
  logLevel?: string;
  /** Extra settings merged over livekit.yaml (deep merge of plain objects). */
  overrides?: Record<string, unknown>;
  /** Where livekit-server's own log lines go; default: this process's stderr when MUSE_LIVEKIT_LOG=1. */
  onLog?: (line: string) => void;
  /** Run inside this network namespace (`ip netns exec`); with `host`, the address it binds there. */
  netns?: string;
  /** The address clients and the readiness check use (default 127.0.0.1). */
  host?: string;
}

export interface RunningLiveKit {
  url: string;
  httpUrl: string;
  port: number;
  udpPort: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** livekit.yaml with the given options applied, as passed to --config-body. */
export function liveKitConfig(opts: LiveKitOptions = {}): Record<string, unknown> {
  const base = YAML.parse(readFileSync(path.join(ROOT, 'livekit.yaml'), 'utf8')) as Record<string, unknown>;
  const rtc: Record<string, unknown> = {};
  if (opts.udpPort) rtc.udp_port = opts.udpPort;
  const extra: Record<string, unknown> = { rtc };
  if (opts.port) extra.port = opts.port;
  if (opts.logLevel) extra.logging = { level: opts.logLevel };
  return deepMerge(deepMerge(base, extra), opts.overrides ?? {});
}

async function waitReady(httpUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new SetupError(`livekit-server exited with code ${child.exitCode} while starting (run with MUSE_LIVEKIT_LOG=1 to see its log).`);
    try {
      const res = await fetch(httpUrl, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SetupError(`livekit-server did not answer GET ${httpUrl} within ${timeoutMs} ms.`);
}

/** Starts livekit-server with livekit.yaml (plus options) and resolves once GET / answers 200. */
export async function startLiveKit(opts: LiveKitOptions = {}): Promise<RunningLiveKit> {
  const bin = ensureLiveKit();
  const config = liveKitConfig(opts);
  const port = Number(config.port);
  const udpPort = Number((config.rtc as Record<string, unknown>).udp_port);
  const apiKey = opts.apiKey ?? process.env.MUSE_LIVEKIT_API_KEY ?? DEV_LIVEKIT_API_KEY;
  const apiSecret = opts.apiSecret ?? process.env.MUSE_LIVEKIT_API_SECRET ?? DEV_LIVEKIT_API_SECRET;
  const argv = [bin, '--config-body', YAML.stringify(config)];
  // `ip netns exec` execs livekit-server itself: the child's pid is the server's, so kill() works as usual.
  if (opts.netns) argv.unshift('ip', 'netns', 'exec', opts.netns);
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, LIVEKIT_KEYS: `${apiKey}: ${apiSecret}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = opts.onLog ?? (process.env.MUSE_LIVEKIT_LOG === '1' ? (l: string) => process.stderr.write(`${l}\n`) : () => {});
  let tail = '';
  const collect = (chunk: Buffer) => {
    const text = tail + chunk.toString('utf8');
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) if (line) sink(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const host = opts.host ?? '127.0.0.1';
  const httpUrl = `http://${host}:${port}/`;
  try {
    await waitReady(httpUrl, child, 20000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url: `ws://${host}:${port}`, httpUrl, port, udpPort, process: child, stop };
}
