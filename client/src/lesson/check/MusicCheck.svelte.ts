// The music-safety check: plays a known violin programme into a test track published with the
// lesson's current audio settings, listens to it come back through the real SFU with a hidden
// listen-only connection, and says in plain words whether the path is safe for music.
import { type LocalTrackPublication, Room, RoomEvent, type RemoteTrack, Track } from 'livekit-client';
import type { CheckTokenResponse, JoinResponse } from '../../../../shared/api';
import type { AudioEngine } from '../../audio/engine';
import { RecorderNode } from '../../audio/RecorderNode';
import { api } from '../../lib/api';
import { type AudioMode, publishOptions } from '../audioMode';
import { analyseCheck, type CheckItem, checkProgramme, PROGRAMME } from './analysis';

export type CheckStage = 'idle' | 'connecting' | 'sending' | 'analysing' | 'done' | 'failed';

export interface MicFacts {
  settings: MediaTrackSettings;
  fmtp: string | null;
}

/** Items the check adds from the published microphone itself. */
export type MicItem = { key: 'processing'; ok: boolean; value: number } | { key: 'dtx'; ok: boolean; value: number };

export class MusicCheck {
  stage = $state<CheckStage>('idle');
  items = $state<(CheckItem | MicItem)[]>([]);
  safe = $state<boolean | null>(null);
  error = $state<string | null>(null);
  /** Seconds of test programme sent so far (progress). */
  progress = $state(0);

  constructor(
    private readonly room: Room,
    private readonly grant: JoinResponse,
    private readonly engine: AudioEngine,
    private readonly mode: () => AudioMode,
    private readonly mic: () => Promise<MicFacts | null>,
  ) {}

  async run(): Promise<void> {
    if (this.stage === 'connecting' || this.stage === 'sending' || this.stage === 'analysing') return;
    this.stage = 'connecting';
    this.error = null;
    this.items = [];
    this.safe = null;
    this.progress = 0;
    const ctx = this.engine.context;
    const run = Math.random().toString(36).slice(2, 10);
    const name = `muse-check-${run}`;
    let published: LocalTrackPublication | null = null;
    let listener: Room | null = null;
    let recorder: RecorderNode | null = null;
    const sink = new Audio();
    try {
      await this.engine.resume();
      const dest = ctx.createMediaStreamDestination();
      dest.channelCount = 2;
      const mode = this.mode();
      published = await this.room.localParticipant.publishTrack(dest.stream.getAudioTracks()[0], {
        name,
        source: Track.Source.Unknown,
        // Exactly what the microphone is published with now: the check sees what the lesson gets.
        ...publishOptions(mode),
      });
      const grant = await api<CheckTokenResponse>('POST', `/rooms/${encodeURIComponent(this.grant.room)}/check-token`, {}, { Authorization: `Bearer ${this.grant.controlToken}` });
      listener = new Room();
      const arrived = new Promise<RemoteTrack>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the test tone never came back from the media server')), 15000);
        listener!.on(RoomEvent.TrackSubscribed, (track, pub) => {
          if (pub.trackName === name) {
            clearTimeout(timer);
            resolve(track);
          }
        });
      });
      await listener.connect(grant.livekitUrl, grant.token, { autoSubscribe: true });
      const track = await arrived;
      // Remote audio flows into Web Audio only while a media element consumes it.
      sink.muted = true;
      track.attach(sink);
      recorder = new RecorderNode(ctx, 10);
      ctx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack])).connect(recorder.node);

      this.stage = 'sending';
      await new Promise((r) => setTimeout(r, 1500)); // let the encoder's bitrate and the jitter buffer settle
      const programme = checkProgramme(ctx.sampleRate);
      const buffer = ctx.createBuffer(2, programme.left.length, ctx.sampleRate);
      buffer.getChannelData(0).set(programme.left);
      buffer.getChannelData(1).set(programme.right);
      const src = new AudioBufferSourceNode(ctx, { buffer });
      src.connect(dest);
      const startAt = ctx.currentTime + 0.2;
      src.start(startAt);
      const sentFrame = Math.round(startAt * ctx.sampleRate);
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          this.progress = Math.min(PROGRAMME.end, (performance.now() - started) / 1000);
          if (this.progress >= PROGRAMME.end + 0.8) {
            clearInterval(tick);
            resolve();
          }
        }, 100);
        setTimeout(() => {
          clearInterval(tick);
          resolve();
        }, (PROGRAMME.end + 1) * 1000);
      });
      this.stage = 'analysing';
      const rec = await recorder.take();
      const result = analyseCheck(programme, rec, sentFrame, rec.startFrame, ctx.sampleRate);
      const facts = await this.mic();
      const micItems: MicItem[] = [];
      if (facts) {
        const s = facts.settings;
        const processingOn = [s.echoCancellation, s.noiseSuppression, s.autoGainControl].filter((v) => v === true).length;
        micItems.push({ key: 'processing', ok: processingOn === 0, value: processingOn });
        const dtx = facts.fmtp ? /usedtx=1/.test(facts.fmtp) : false;
        micItems.push({ key: 'dtx', ok: !dtx, value: dtx ? 1 : 0 });
      }
      // The test track crosses the path in stereo; the lesson is stereo only if the microphone is too.
      const micStereo = facts ? facts.settings.channelCount === 2 && /stereo=1/.test(facts.fmtp ?? '') : true;
      const pathItems = result.items.map((i) => (i.key === 'stereo' && !micStereo ? { ...i, ok: false, value: 0 } : i));
      result.safe = pathItems.every((i) => i.ok);
      this.items = [...micItems, ...pathItems];
      this.safe = result.safe && micItems.every((i) => i.ok);
      this.stage = 'done';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.stage = 'failed';
    } finally {
      recorder?.disconnect();
      sink.srcObject = null;
      await listener?.disconnect();
      if (published?.track) await this.room.localParticipant.unpublishTrack(published.track, true).catch(() => {});
    }
  }
}
