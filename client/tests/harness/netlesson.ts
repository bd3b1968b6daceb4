// A lesson over the simulated network (scripts/lib/netns.ts): livekit-server in its namespace,
// our server behind the link emulator, teacher and student Chromium each in its own namespace.
// Shared by network.spec.ts and bench:network.
import { startLiveKit, type RunningLiveKit } from '../../../scripts/lib/livekit';
import { type LinkProfile, LinkEmulator, NetLab } from '../../../scripts/lib/netns';
import { startTestApp } from './app';
import { launchParticipant, type Participant } from './browser';

export interface NetLesson {
  lab: NetLab;
  emulator: LinkEmulator;
  livekit: RunningLiveKit;
  app: Awaited<ReturnType<typeof startTestApp>>;
  /** The app as the browsers reach it (through the emulated link). */
  appUrl: string;
  teacher: Participant;
  student: Participant;
  /** Stops browsers, servers and the emulator and removes the namespaces; never throws. */
  stop(): Promise<void>;
}

export interface NetLessonOptions {
  teacher: LinkProfile;
  student: LinkProfile;
  /** Signalling and media ports of this lesson's livekit-server (inside its namespace). */
  ports: { port: number; udpPort: number };
  tones?: { teacher: number; student: number };
  /** The browsers' fake camera (see launchParticipant): the small one unless told. */
  camera?: 'small' | 'builtin';
}

/** Builds the simulated network and everything on it; on any failure, tears down what it made. */
export async function startNetLesson(opts: NetLessonOptions): Promise<NetLesson> {
  const lab = NetLab.create({ hosts: { t: opts.teacher, s: opts.student } });
  const made: Partial<NetLesson> = { lab };
  const stop = async () => {
    await Promise.allSettled([made.teacher?.close(), made.student?.close()]);
    await Promise.allSettled([made.app?.stop(), made.livekit?.stop(), made.emulator?.stop()]);
    lab.destroy();
  };
  try {
    const livekit = (made.livekit = await startLiveKit({
      ...opts.ports,
      logLevel: 'warn',
      netns: lab.sfuNetns,
      host: lab.sfuIp,
      overrides: lab.liveKitOverrides(),
    }));
    // The browsers know LiveKit at the front address; our server talks to its API directly.
    const front = `${lab.frontIp}:${opts.ports.port}`;
    const app = (made.app = await startTestApp({ publicLiveKitUrl: `ws://${front}`, liveKitApiUrl: livekit.httpUrl.replace(/\/$/, '') }));
    const emulator = (made.emulator = new LinkEmulator(lab.frontIp, (ip) => lab.hostByIp(ip)?.profile ?? { delayMs: 0, jitterMs: 0, lossPct: 100 }));
    await emulator.start([
      { proto: 'tcp', port: app.port, to: { host: '127.0.0.1', port: app.port } },
      { proto: 'tcp', port: opts.ports.port, to: { host: lab.sfuIp, port: opts.ports.port } },
      { proto: 'udp', port: opts.ports.udpPort, to: { host: lab.sfuIp, port: opts.ports.udpPort }, from: lab.backIp },
    ]);
    const appUrl = `http://${lab.frontIp}:${app.port}`;
    const tones = opts.tones ?? { teacher: 440, student: 660 };
    [made.teacher, made.student] = await Promise.all([
      launchParticipant(tones.teacher, { executablePath: lab.hosts.t.chromium, args: lab.chromiumFlags(appUrl), camera: opts.camera }),
      launchParticipant(tones.student, { executablePath: lab.hosts.s.chromium, args: lab.chromiumFlags(appUrl), camera: opts.camera }),
    ]);
    return { lab, emulator, livekit, app, appUrl, teacher: made.teacher, student: made.student, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
