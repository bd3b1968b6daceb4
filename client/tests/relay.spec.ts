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

/** Candidate types of the selected pair of the connection carrying the other side's audio: the
 *  transport's selected pair (else a nominated, succeeded one). A pair just selected can be missing
 *  from the stats for a moment on a loaded machine, so ask again for up to 5 s; the last answer
 *  lists what the report had. */
function selectedPair(p: Participant): Promise<{ local: string; protocol: string; seen?: string }> {
  return p.page.evaluate(async () => {
    type Peer = { isLocal: boolean; audio: { getRTCStatsReport(): Promise<RTCStatsReport | undefined> } | null };
    const s = (window as unknown as { muse: { session: { peers: Peer[] } } }).muse.session;
    const until = performance.now() + 5000;
    let seen = '';
    for (;;) {
      const report = await s.peers.find((x) => !x.isLocal && x.audio)!.audio!.getRTCStatsReport();
      const stats = [...(report?.values() ?? [])] as (RTCStats & Record<string, unknown>)[];
      const selectedId = stats.find((st) => st.type === 'transport' && st.selectedCandidatePairId)?.selectedCandidatePairId;
      const pair = stats.find((st) => st.type === 'candidate-pair' && (st.id === selectedId || (!selectedId && st.nominated && st.state === 'succeeded')));
      const c = pair && (report!.get(pair.localCandidateId as string) as { candidateType: string; protocol: string } | undefined);
      if (c) return { local: c.candidateType, protocol: c.protocol };
      seen = stats.filter((st) => st.type === 'candidate-pair' || st.type === 'transport').map((st) => `${st.type} ${String(st.state ?? st.dtlsState)}${st.nominated ? ' nominated' : ''}`).join('; ') || 'no pairs or transport';
      if (performance.now() > until) return { local: 'none', protocol: '', seen };
      await new Promise((r) => setTimeout(r, 250));
    }
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
