// The link emulator on loopback (no namespaces needed): delay, loss and byte order as configured.
import dgram from 'node:dgram';
import net from 'node:net';
import { type AddressInfo } from 'node:net';
import { type LinkProfile, LinkEmulator } from '../lib/netns';

const FRONT = '127.0.0.1';

function freePort(type: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve) => {
    if (type === 'tcp') {
      const s = net.createServer().listen(0, FRONT, () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    } else {
      const s = dgram.createSocket('udp4').bind(0, FRONT, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    }
  });
}

/** Sends `n` numbered UDP packets through an emulator with `profile` to an echo and back, waiting
 *  `gapMs` after every `every` packets; returns the numbers in the order they came back, each one's
 *  round trip, and how many the emulator dropped. */
async function echoThrough(profile: LinkProfile, n: number, pace: { every: number; gapMs: number }): Promise<{ order: number[]; rtts: number[]; lost: number }> {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (msg, r) => echo.send(msg, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, FRONT, () => r()));
  const front = await freePort('udp');
  const emu = new LinkEmulator(FRONT, () => profile);
  await emu.start([{ proto: 'udp', port: front, to: { host: FRONT, port: echo.address().port }, from: FRONT }]);
  const client = dgram.createSocket('udp4');
  const sent = new Map<number, number>();
  const order: number[] = [];
  const rtts: number[] = [];
  client.on('message', (msg) => {
    const i = msg.readUInt32BE(0);
    order.push(i);
    rtts.push(performance.now() - sent.get(i)!);
  });
  await new Promise<void>((r) => client.bind(0, FRONT, () => r()));
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    sent.set(i, performance.now());
    client.send(b, front, FRONT);
    if (i % pace.every === pace.every - 1) await new Promise((r) => setTimeout(r, pace.gapMs));
  }
  // Until nothing has come back for 300 ms (the slowest packet is 60 ms late on a quiet machine).
  for (let last = -1, t = 0; last !== order.length && t < 30; t++) {
    last = order.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  await emu.stop();
  client.close();
  echo.close();
  return { order, rtts, lost: emu.stats.udpLost };
}

test('UDP: every packet is delayed both ways, and about the configured share is lost', async () => {
  const profile: LinkProfile = { delayMs: 25, jitterMs: 5, lossPct: 10 };
  const N = 600;
  // Paced, so that no socket buffer overflows on a busy machine (that loss would not be the emulator's).
  const { rtts, lost: dropped } = await echoThrough(profile, N, { every: 10, gapMs: 2 });
  // 10 % each way: the emulator drops ≈ 19 % of N (binomial, N = 600: 4 σ ≈ ±6 %), and about 81 % come back.
  const lost = dropped / N;
  expect(lost).toBeGreaterThan(0.12);
  expect(lost).toBeLessThan(0.26);
  expect(rtts.length).toBeLessThanOrEqual(N - dropped);
  expect(rtts.length / N).toBeGreaterThan(0.7);
  // Two crossings of 25 ± 5 ms.
  expect(Math.min(...rtts)).toBeGreaterThanOrEqual(2 * (profile.delayMs - profile.jitterMs) - 1);
});

test('TCP: delayed with jitter, yet every byte arrives in order', async () => {
  const profile: LinkProfile = { delayMs: 10, jitterMs: 8, lossPct: 0 };
  const received: Buffer[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sink = net.createServer((s) => {
    s.on('data', (d) => received.push(d));
    s.on('end', () => done());
  });
  await new Promise<void>((r) => sink.listen(0, FRONT, () => r()));
  const front = await freePort('tcp');
  const emu = new LinkEmulator(FRONT, () => profile);
  await emu.start([{ proto: 'tcp', port: front, to: { host: FRONT, port: (sink.address() as AddressInfo).port } }]);
  const client = net.connect({ host: FRONT, port: front });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const started = performance.now();
  const N = 400;
  for (let i = 0; i < N; i++) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    client.write(b);
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
  }
  client.end();
  await finished;
  const took = performance.now() - started;
  await emu.stop();
  sink.close();
  const all = Buffer.concat(received);
  expect(all.length).toBe(4 * N);
  for (let i = 0; i < N; i++) expect(all.readUInt32BE(4 * i)).toBe(i);
  expect(took).toBeGreaterThanOrEqual(profile.delayMs - profile.jitterMs);
});

/** `n` packets 1 ms apart (see echoThrough). */
const arrivalOrder = (profile: LinkProfile, n: number) => echoThrough(profile, n, { every: 1, gapMs: 1 });

const inversions = (order: number[]) => order.filter((v, i) => i > 0 && v < order[i - 1]).length;

test('UDP jitter reorders packets sent closer together than it, unless the link keeps each flow in order', async () => {
  const base: LinkProfile = { delayMs: 15, jitterMs: 5, lossPct: 0 };
  const free = await arrivalOrder(base, 200);
  const ordered = await arrivalOrder({ ...base, keepOrder: true }, 200);
  process.stdout.write(`link emulator: ${inversions(free.order)} of ${free.order.length} packets overtaken with independent jitter, ${inversions(ordered.order)} of ${ordered.order.length} in order\n`);
  // Sent 1 ms apart through two crossings of 15 ± 5 ms: independent delays overtake often.
  expect(free.order).toHaveLength(200);
  expect(inversions(free.order)).toBeGreaterThan(20);
  // In order: every packet back, none overtaken, each still delayed by the link both ways.
  expect(ordered.order).toHaveLength(200);
  expect(inversions(ordered.order)).toBe(0);
  expect(Math.min(...ordered.rtts)).toBeGreaterThanOrEqual(2 * (base.delayMs - base.jitterMs) - 1);
});
