// The path that rescues a student whose network blocks direct UDP: every packet relayed through
// LiveKit's embedded TURN server (UDP TURN here; TURN over TLS on 443 in production, see README).
import { startLiveKit, type RunningLiveKit } from '../../scripts/lib/livekit';
import { startTestApp } from './harness/app';
import { launchParticipant, type Participant, waitForRemoteTone } from './harness/browser';
import { joinAndWaitConnected } from './harness/lesson';
import { spareLiveKit } from './harness/ports';

let livekit: RunningLiveKit;
let app: Awaited<ReturnType<typeof startTestApp>>;
let teacher: Participant;
let student: Participant;

beforeAll(async () => {
  const ports = spareLiveKit(4);
  livekit = await startLiveKit({
    ...ports,
    logLevel: 'warn',
    overrides: {
      turn: {
        enabled: true,
        udp_port: ports.port + 3,
        tls_port: 0,
        relay_range_start: ports.port + 100,
        relay_range_end: ports.port + 199,
        // Test configuration only: the SFU is on loopback, which TURN refuses to relay to by default.
        allow_restricted_peer_cidrs: ['127.0.0.0/8'],
      },
    },
  });
  app = await startTestApp({ publicLiveKitUrl: livekit.url });
  [teacher, student] = await Promise.all([launchParticipant(440), launchParticipant(660)]);
});

afterAll(async () => {
  await Promise.allSettled([teacher?.close(), student?.close()]);
  await app?.stop();
  await livekit?.stop();
});

/** Candidate types of the selected pair of the connection carrying the other side's audio. */
function selectedPair(p: Participant): Promise<{ local: string; protocol: string }> {
  return p.page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const report = await s.peers.find((x) => !x.isLocal && x.audio)!.audio!.getRTCStatsReport();
    let out = { local: 'none', protocol: '' };
    report?.forEach((st: RTCStats & Record<string, unknown>) => {
      if (st.type === 'candidate-pair' && st.nominated && st.state === 'succeeded') {
        const c = report.get(st.localCandidateId as string) as { candidateType: string; protocol: string };
        out = { local: c.candidateType, protocol: c.protocol };
      }
    });
    return out;
  });
}

test('forced through TURN, teacher and student still hear each other', async () => {
  const room = `relay-${Date.now()}`;
  for (const [p, name, role] of [[teacher, 'Mina', 'teacher'], [student, 'Layla', 'student']] as const) {
    await p.page.goto(`${app.url}/room/${room}?name=${name}&role=${role}&relay=1`);
    await p.page.waitForFunction(() => !(document.querySelector('[data-testid=join]') as HTMLButtonElement | null)?.disabled, null, { timeout: 20000 });
    await joinAndWaitConnected(p.page);
  }
  const [a, b] = await Promise.all([waitForRemoteTone(student.page, 440), waitForRemoteTone(teacher.page, 660)]);
  expect(Math.abs(a.hz - 440)).toBeLessThan(8);
  expect(Math.abs(b.hz - 660)).toBeLessThan(8);
  for (const p of [teacher, student]) expect(await selectedPair(p)).toEqual({ local: 'relay', protocol: 'udp' });
});
