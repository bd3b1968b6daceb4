// A simulated long-distance network for browser tests and bench:network, made with Linux network
// namespaces: the SFU in one namespace, each browser in its own, and an emulated link between.
//
//   muse-t-<id> (teacher Chromium) ─veth─┐                         ┌─veth─ muse-sfu-<id> (livekit-server)
//                                         bridge mb<id> (root ns) ─ link emulator ─ veth mk<id>
//   muse-s-<id> (student Chromium) ─veth─┘   10.231.N.1              10.232.N.1 ↔ 10.232.N.2
//
// The browsers reach nothing but the bridge address, where the link emulator (this process)
// listens for the app (HTTP), LiveKit signalling (WebSocket) and LiveKit media (its one UDP port)
// and forwards to the SFU side with each participant's delay, jitter and loss. There are no
// routes between the two subnets and IP forwarding is not turned on, so the emulated path is the
// only path. Kernel netem would do the same below TCP, but it is not in every kernel (this VM's
// has only htb/pfifo); the emulator runs anywhere `ip netns` does. Taking a participant's link
// down (`ip link set … down` on its veth) is a real, kernel-level cut.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface LinkProfile {
  /** One-way delay added in each direction, ms. */
  delayMs: number;
  /** Each packet's delay varies uniformly by ± this, ms (UDP may reorder, as with netem). */
  jitterMs: number;
  /** Share of UDP packets lost in each direction, % (TCP is delayed only: it retransmits anyway). */
  lossPct: number;
  /** UDP keeps its order on each flow: a packet leaves no earlier than the one before it, as
   *  through one queue (the jitter then delays, never reorders). Default: each packet's delay is
   *  drawn on its own, so packets sent closer together than the jitter reorder, as with netem. */
  keepOrder?: boolean;
}

/**
 * Seoul ↔ Abu Dhabi, split over the two access links (SFU in between): 30 ms each way on each
 * link gives 60 ms one way and 120 ms round trip between the two browsers, as measured between
 * the cities (README, "Networks"); ±5 ms on each link, 1 % loss on each link and direction
 * (about 2 % end to end).
 */
export const SEOUL_ABU_DHABI: LinkProfile = { delayMs: 30, jitterMs: 5, lossPct: 1 };
export const NO_IMPAIRMENT: LinkProfile = { delayMs: 0, jitterMs: 0, lossPct: 0 };
/** The same link with its jitter keeping each flow's order (see LinkProfile.keepOrder). */
export const SEOUL_ABU_DHABI_IN_ORDER: LinkProfile = { ...SEOUL_ABU_DHABI, keepOrder: true };

export class NetLabError extends Error {}

function run(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new NetLabError(`${cmd} could not run (${r.error.message}): the network tests need iproute2 ('apt-get install iproute2') and root.`);
  if (r.status !== 0 && !allowFail) throw new NetLabError(`\`${cmd} ${args.join(' ')}\` failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Why this machine cannot host the simulated network, or null if it can. */
export function netLabUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `the simulated network needs root (network namespaces); this runs as uid ${process.getuid()}. Run the browser tests as root, as CI does.`;
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error) return "the `ip` command (iproute2) is missing: run 'apt-get install iproute2' (npm test's pretest does).";
  const probe = `muse-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `\`ip netns add\` failed: ${add.stderr.trim()}. The simulated network needs network namespaces (a container may need --privileged or CAP_SYS_ADMIN).`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Removes namespaces and bridges that earlier runs left behind (their process is gone). */
export function cleanupLeftovers(): string[] {
  const removed: string[] = [];
  for (const line of run('ip', ['netns', 'list'], true).split('\n')) {
    const m = /^(muse-(?:sfu|t|s|probe)-(\d+))\b/.exec(line.trim());
    if (m && !alive(Number(m[2]))) {
      run('ip', ['netns', 'del', m[1]], true);
      removed.push(m[1]);
    }
  }
  for (const line of run('ip', ['-o', 'link', 'show'], true).split('\n')) {
    const m = /^\d+:\s+((?:mb|mk|mh[a-z])(\d+))[@:]/.exec(line);
    if (m && !alive(Number(m[2]))) {
      run('ip', ['link', 'del', m[1]], true);
      removed.push(m[1]);
    }
  }
  return removed;
}

/** A third octet N such that 10.231.N.0/24 and 10.232.N.0/24 are unused on this machine. */
function freeOctet(seed: number): number {
  const used = run('ip', ['-4', '-o', 'addr', 'show'], true);
  for (let i = 0; i < 250; i++) {
    const n = ((seed + i) % 250) + 1;
    if (!used.includes(`10.231.${n}.`) && !used.includes(`10.232.${n}.`)) return n;
  }
  throw new NetLabError('no free 10.231.N.0/24 subnet for the simulated network: remove stale muse-* interfaces (ip -o addr).');
}

/** One browser host of the simulated network. */
export interface NetHost {
  name: string;
  netns: string;
  /** The root-namespace end of its veth: `ip link set <it> down` cuts the host off. */
  veth: string;
  ip: string;
  profile: LinkProfile;
  /** A Chromium that runs inside this host's namespace (a wrapper script for playwright's executablePath). */
  chromium: string;
}

export interface NetLabOptions {
  /** Browser hosts and their links, e.g. { t: SEOUL_ABU_DHABI, s: SEOUL_ABU_DHABI }. */
  hosts: Record<string, LinkProfile>;
  chromium?: string;
}

/** The namespaces, veths, bridge and wrappers of one run; `destroy()` removes them all. */
export class NetLab {
  readonly id: number;
  readonly sfuNetns: string;
  /** Where the browsers reach everything (the emulator listens here). */
  readonly frontIp: string;
  /** The SFU namespace's address (LiveKit binds it). */
  readonly sfuIp: string;
  /** The root namespace's address on the SFU link (the emulator forwards from it). */
  readonly backIp: string;
  readonly hosts: Record<string, NetHost> = {};
  private readonly bridge: string;
  private readonly sfuVeth: string;
  private readonly dir: string;
  private destroyed = false;

  private constructor(opts: NetLabOptions) {
    this.id = process.pid;
    const n = freeOctet(this.id);
    this.sfuNetns = `muse-sfu-${this.id}`;
    this.bridge = `mb${this.id}`;
    this.sfuVeth = `mk${this.id}`;
    this.frontIp = `10.231.${n}.1`;
    this.backIp = `10.232.${n}.1`;
    this.sfuIp = `10.232.${n}.2`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'muse-netlab-'));
    let k = 2;
    for (const [name, profile] of Object.entries(opts.hosts)) {
      const netns = `muse-${name}-${this.id}`;
      const chromium = path.join(this.dir, `chromium-${name}`);
      writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${netns} ${opts.chromium ?? process.env.MUSE_CHROMIUM ?? '/usr/bin/chromium'} "$@"\n`);
      chmodSync(chromium, 0o755);
      this.hosts[name] = { name, netns, veth: `mh${name.slice(0, 1)}${this.id}`, ip: `10.231.${n}.${k++}`, profile, chromium };
    }
  }

  /** Builds the network; throws a NetLabError saying what is missing if this machine cannot. */
  static create(opts: NetLabOptions): NetLab {
    const why = netLabUnavailable();
    if (why) throw new NetLabError(why);
    cleanupLeftovers();
    const lab = new NetLab(opts);
    try {
      lab.build();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private build(): void {
    run('ip', ['netns', 'add', this.sfuNetns]);
    run('ip', ['link', 'add', this.sfuVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.sfuNetns]);
    run('ip', ['addr', 'add', `${this.backIp}/24`, 'dev', this.sfuVeth]);
    run('ip', ['link', 'set', this.sfuVeth, 'up']);
    this.inNs(this.sfuNetns, ['addr', 'add', `${this.sfuIp}/24`, 'dev', 'eth0']);
    this.inNs(this.sfuNetns, ['link', 'set', 'eth0', 'up']);
    this.inNs(this.sfuNetns, ['link', 'set', 'lo', 'up']);

    run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${this.frontIp}/24`, 'dev', this.bridge]);
    run('ip', ['link', 'set', this.bridge, 'up']);
    for (const h of Object.values(this.hosts)) {
      run('ip', ['netns', 'add', h.netns]);
      run('ip', ['link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
      run('ip', ['link', 'set', h.veth, 'master', this.bridge]);
      run('ip', ['link', 'set', h.veth, 'up']);
      this.inNs(h.netns, ['addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      this.inNs(h.netns, ['link', 'set', 'eth0', 'up']);
      this.inNs(h.netns, ['link', 'set', 'lo', 'up']);
    }
  }

  private inNs(netns: string, args: string[]): void {
    run('ip', ['-n', netns, ...args]);
  }

  /** Cuts (false) or restores (true) a host's link, as a dropped Wi-Fi or a dead router would. */
  setLink(host: string, up: boolean): void {
    run('ip', ['link', 'set', this.hosts[host].veth, up ? 'up' : 'down']);
  }

  /** Which host an address on the browser side belongs to. */
  hostByIp(ip: string): NetHost | undefined {
    const bare = ip.replace(/^::ffff:/, '');
    return Object.values(this.hosts).find((h) => h.ip === bare);
  }

  /** livekit.yaml overrides for a livekit-server inside the SFU namespace, advertised at the front address. */
  liveKitOverrides(): Record<string, unknown> {
    return {
      bind_addresses: [this.sfuIp],
      rtc: { node_ip: this.frontIp, enable_loopback_candidate: false, ips: { includes: [`${this.sfuIp}/32`] } },
      turn: { enabled: false },
    };
  }

  /** Chromium flags a participant needs: the app's origin is not loopback, yet must count as secure (microphone, worklets, SharedArrayBuffer). */
  chromiumFlags(appOrigin: string): string[] {
    return [`--unsafely-treat-insecure-origin-as-secure=${appOrigin}`];
  }

  /** Removes everything this run made. Safe to call twice and after a failed build. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const h of Object.values(this.hosts)) {
      run('ip', ['link', 'del', h.veth], true);
      run('ip', ['netns', 'del', h.netns], true);
    }
    run('ip', ['link', 'del', this.sfuVeth], true);
    run('ip', ['netns', 'del', this.sfuNetns], true);
    run('ip', ['link', 'del', this.bridge], true);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What the emulator forwards: from the front address's `port` to `to` (host:port) behind it. */
export interface Forward {
  proto: 'tcp' | 'udp';
  port: number;
  to: { host: string; port: number };
  /** Local address for the emulator's sockets towards `to` (UDP). */
  from?: string;
}

export interface LinkStats {
  udpIn: number;
  udpOut: number;
  udpLost: number;
}

/** The emulated link: forwards TCP and UDP with each participant's delay, jitter and loss. */
export class LinkEmulator {
  readonly stats: LinkStats = { udpIn: 0, udpOut: 0, udpLost: 0 };
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    private readonly frontIp: string,
    private readonly profileOf: (clientIp: string) => LinkProfile,
  ) {}

  /** Starts all forwards; resolves once every socket listens. */
  async start(forwards: Forward[]): Promise<void> {
    for (const f of forwards) {
      if (f.proto === 'tcp') await this.tcp(f);
      else await this.udp(f);
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.closers.map((c) => c()));
    this.closers.length = 0;
  }

  private delay(p: LinkProfile): number {
    return Math.max(0, p.delayMs + (Math.random() * 2 - 1) * p.jitterMs);
  }

  private tcp(f: Forward): Promise<void> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer({ allowHalfOpen: true }, (client) => {
      // Looked up per chunk: a bench changes a host's profile between conditions.
      const clientIp = client.remoteAddress ?? '';
      const upstream = net.connect({ host: f.to.host, port: f.to.port, allowHalfOpen: true });
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      sockets.add(client);
      sockets.add(upstream);
      // Each direction keeps its byte order: one queue, drained in order by one timer
      // (separate timers with equal deadlines may fire in any order).
      const pipe = (from: net.Socket, to: net.Socket) => {
        const queue: { due: number; chunk: Buffer | null }[] = [];
        let timer: NodeJS.Timeout | null = null;
        const drain = () => {
          timer = null;
          const now = Date.now();
          while (queue.length && queue[0].due <= now) {
            const { chunk } = queue.shift()!;
            if (to.destroyed) continue;
            if (chunk) to.write(chunk);
            else to.end();
          }
          if (queue.length) timer = setTimeout(drain, queue[0].due - now);
        };
        const push = (chunk: Buffer | null) => {
          const last = queue.length ? queue[queue.length - 1].due : 0;
          queue.push({ due: Math.max(last, Date.now() + this.delay(this.profileOf(clientIp))), chunk });
          if (!timer) timer = setTimeout(drain, queue[0].due - Date.now());
        };
        from.on('data', (chunk: Buffer) => push(chunk));
        from.on('end', () => push(null));
      };
      pipe(client, upstream);
      pipe(upstream, client);
      const kill = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', kill).on('close', () => setTimeout(kill, 1000).unref());
      upstream.on('error', kill).on('close', () => setTimeout(kill, 1000).unref());
    });
    this.closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(f.port, this.frontIp, () => resolve());
    });
  }

  private udp(f: Forward): Promise<void> {
    const front = dgram.createSocket('udp4');
    // One socket towards the SFU per browser-side address, like a NAT mapping.
    const mappings = new Map<string, dgram.Socket>();
    const out = (sock: dgram.Socket, msg: Buffer, port: number, host: string) => {
      try {
        sock.send(msg, port, host);
      } catch {
        /* socket closed while the packet was in flight */
      }
    };
    // keepOrder: one queue per flow (socket and destination), drained in order by one timer.
    const flows = new Map<string, { queue: { due: number; msg: Buffer }[]; timer: NodeJS.Timeout | null }>();
    const flowIds = new Map<dgram.Socket, number>();
    const send = (sock: dgram.Socket, msg: Buffer, port: number, host: string, profile: LinkProfile) => {
      if (profile.lossPct > 0 && Math.random() * 100 < profile.lossPct) {
        this.stats.udpLost++;
        return;
      }
      if (!profile.keepOrder) {
        setTimeout(() => out(sock, msg, port, host), this.delay(profile));
        return;
      }
      if (!flowIds.has(sock)) flowIds.set(sock, flowIds.size);
      const key = `${flowIds.get(sock)}>${host}:${port}`;
      let flow = flows.get(key);
      if (!flow) flows.set(key, (flow = { queue: [], timer: null }));
      const f = flow;
      const last = f.queue.length ? f.queue[f.queue.length - 1].due : 0;
      f.queue.push({ due: Math.max(last, Date.now() + this.delay(profile)), msg });
      const drain = () => {
        f.timer = null;
        const now = Date.now();
        while (f.queue.length && f.queue[0].due <= now) out(sock, f.queue.shift()!.msg, port, host);
        if (f.queue.length) f.timer = setTimeout(drain, f.queue[0].due - now);
      };
      if (!f.timer) f.timer = setTimeout(drain, f.queue[0].due - Date.now());
    };
    front.on('message', (msg, rinfo) => {
      this.stats.udpIn++;
      const key = `${rinfo.address}:${rinfo.port}`;
      let up = mappings.get(key);
      if (!up) {
        up = dgram.createSocket('udp4');
        up.bind(0, f.from);
        up.on('message', (back) => {
          this.stats.udpOut++;
          send(front, back, rinfo.port, rinfo.address, this.profileOf(rinfo.address));
        });
        up.on('error', () => {});
        mappings.set(key, up);
      }
      send(up, msg, f.to.port, f.to.host, this.profileOf(rinfo.address));
    });
    front.on('error', () => {});
    this.closers.push(async () => {
      for (const f of flows.values()) if (f.timer) clearTimeout(f.timer);
      for (const s of mappings.values()) s.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    });
    return new Promise((resolve, reject) => {
      front.once('error', reject);
      front.bind(f.port, this.frontIp, () => resolve());
    });
  }
}
