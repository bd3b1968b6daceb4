// LiveKit's own distributed mode: two livekit-server nodes sharing one Redis, the teacher
// connected through one node and the student through the other, in one lesson room.
import { startLiveKit, type RunningLiveKit } from '../../scripts/lib/livekit';
import { type RunningRedis, startRedis } from '../../scripts/lib/redis';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';
import { joinAndWaitConnected, openDevRoom } from './harness/lesson';
import { spareLiveKit } from './harness/ports';

let redis: RunningRedis;
const nodes: RunningLiveKit[] = [];
const apps: Awaited<ReturnType<typeof startTestApp>>[] = [];
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  redis = await startRedis(spareLiveKit(3).port + 5);
  for (const n of [2, 3]) nodes.push(await startLiveKit({ ...spareLiveKit(n), logLevel: 'warn', overrides: { redis: { address: redis.address } } }));
  // One web server per node, as behind a load balancer that sent each person to a different node.
  for (const node of nodes) apps.push(await startTestApp({ publicLiveKitUrl: node.url }));
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660)]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await Promise.allSettled(apps.map((a) => a.stop()));
  await Promise.allSettled(nodes.map((n) => n.stop()));
  await redis?.stop();
});

test('participants on different nodes share one room and hear each other', async () => {
  const room = `multinode-${Date.now()}`;
  await openDevRoom(teacher.page, apps[0].url, room, 'Mina', 'teacher');
  await openDevRoom(student.page, apps[1].url, room, 'Layla', 'student');
  await joinAndWaitConnected(teacher.page);
  await joinAndWaitConnected(student.page);
  const [a, b] = await Promise.all([waitForRemoteTone(student.page, 440), waitForRemoteTone(teacher.page, 660)]);
  expect(Math.abs(a.hz - 440)).toBeLessThan(8);
  expect(Math.abs(b.hz - 660)).toBeLessThan(8);
  // Each signalled through its own node: the teacher's URL is node A's, the student's node B's.
  const urls = await Promise.all([teacher, student].map((p) => p.page.evaluate(() => (window as unknown as { muse: { session: { room: { engine: { url?: string } } } } }).muse.session.room.engine.url ?? '')));
  process.stdout.write(`multi-node signalling URLs: ${urls.join(' and ')}\n`);
  expect(urls[0]).toContain(`:${nodes[0].port}`);
  expect(urls[1]).toContain(`:${nodes[1].port}`);
});
