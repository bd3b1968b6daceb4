// Recording during a lesson: this browser records its own microphone (before the network) while the call is up,
// tells the room whether it records (everyone sees REC and who), and follows the teacher's auto-record switch.
import { type Participant, RoomEvent, Track, type TrackPublication } from 'livekit-client';
import type { Role } from '../../../shared/api';
import type { AudioEngine } from '../audio/engine';
import { api } from '../lib/api';
import { micPublication, type LessonSession } from '../lesson/LessonSession.svelte';
import { nowMs } from '../lesson/ClockSync.svelte';
import { finalise } from './finalise';
import { updateRecording } from './store';
import { pickAudioMime, pickVideoMime, Recorder } from './Recorder';
import { uploads } from './uploads.svelte';

const TOPIC = 'muse.rec';
const CAMERA_KEY = 'muse.recordCamera';

type Message = { rec: boolean } | { autoRecord: boolean };

export interface RecordingTarget {
  occurrence: string;
  lessonId: string;
  participantId: string;
  role: Role;
  autoRecord: boolean;
}

/** The mix input that carries the duet path's playback. */
const DUET_INPUT = 'duet';

export class LessonRecording {
  /** This browser is recording. */
  active = $state(false);
  /** Names of the others who say they are recording. */
  remote = $state<string[]>([]);
  autoRecord = $state(true);
  error = $state<string | null>(null);
  /** Storage this origin uses and may use (bytes), and whether the browser promised to keep it. */
  usage = $state<{ used: number; quota: number } | null>(null);
  persisted = $state<boolean | null>(null);
  /** The current recording's id (tests read it). */
  currentId = $state<string | null>(null);
  /** This person also records their camera (a choice of this browser, off by default: it needs ~450 MB an hour). */
  recordCamera = $state(localStorage.getItem(CAMERA_KEY) === '1');
  /** The camera is being recorded now (a new file each time the camera comes back on). */
  videoActive = $state(false);
  /** Ids of this session's camera recordings (tests read them). */
  videoIds = $state<string[]>([]);
  /** Teacher: the id of the lesson-as-heard recording (both sides mixed); tests read it. */
  mixId = $state<string | null>(null);
  /** Identities mixed into it besides the microphone. */
  mixing = $state<string[]>([]);

  private recorder: Recorder | null = null;
  private video: Recorder | null = null;
  private videoQueue: Promise<void> = Promise.resolve();
  private tap: ReturnType<AudioEngine['recordingTap']> | null = null;
  private mix: Recorder | null = null;
  private mixer: ReturnType<AudioEngine['recordingMix']> | null = null;
  /** The duet path's playback while duet mode runs (the other side as heard then). */
  private duetOutput: AudioNode | null = null;
  private remoteRec = new Map<string, string>();
  private heard = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly session: LessonSession,
    private readonly engine: AudioEngine,
    private readonly target: RecordingTarget,
  ) {
    this.autoRecord = target.autoRecord;
  }

  /** Starts listening to the room, and recording when the lesson records. */
  async attach(): Promise<void> {
    const room = this.session.room;
    if (!room) return;
    const onData = (payload: Uint8Array, from?: Participant, _kind?: unknown, topic?: string) => {
      if (topic !== TOPIC || !from) return;
      let msg: Message;
      try {
        msg = JSON.parse(new TextDecoder().decode(payload)) as Message;
      } catch {
        return;
      }
      if ('rec' in msg) {
        // Someone new to us: they may have missed what we said before they could hear it.
        if (!this.heard.has(from.identity)) {
          this.heard.add(from.identity);
          void this.announce();
        }
        if (msg.rec) this.remoteRec.set(from.identity, from.name || from.identity);
        else this.remoteRec.delete(from.identity);
        this.remote = [...this.remoteRec.values()];
      } else if ('autoRecord' in msg && from.attributes.role === 'teacher') {
        void this.apply(msg.autoRecord);
      }
    };
    const onJoin = () => void this.announce();
    const onLeave = (p: Participant) => {
      this.heard.delete(p.identity);
      this.remoteRec.delete(p.identity);
      this.remote = [...this.remoteRec.values()];
      this.syncMix();
    };
    // The camera's track is stopped when it is switched off and a new one made when it comes back: one file per stretch.
    const isMyCamera = (pub: TrackPublication, p?: Participant) => pub.source === Track.Source.Camera && (!p || p === room.localParticipant);
    const onMuted = (pub: TrackPublication, p: Participant) => isMyCamera(pub, p) && this.cameraChanged(false);
    const onUnmuted = (pub: TrackPublication, p: Participant) => isMyCamera(pub, p) && this.cameraChanged(true);
    const onPublished = (pub: TrackPublication) => isMyCamera(pub) && this.cameraChanged(true);
    // The lesson as heard follows the others' microphones (music mode re-publishes them as new tracks).
    // Recomputed from the room on every change rather than applied event by event: a re-published microphone's
    // new track can be subscribed before the old one's unsubscription arrives, and other audio tracks (the latency
    // probe's, the music check's) come and go beside the microphone.
    const onSubscribed = () => this.syncMix();
    const onUnsubscribed = () => this.syncMix();
    room.on(RoomEvent.DataReceived, onData).on(RoomEvent.ParticipantConnected, onJoin).on(RoomEvent.ParticipantDisconnected, onLeave)
      .on(RoomEvent.TrackMuted, onMuted).on(RoomEvent.TrackUnmuted, onUnmuted).on(RoomEvent.LocalTrackPublished, onPublished)
      .on(RoomEvent.TrackSubscribed, onSubscribed).on(RoomEvent.TrackUnsubscribed, onUnsubscribed).on(RoomEvent.TrackUnpublished, onUnsubscribed);
    this.unsubscribe = () => {
      room.off(RoomEvent.DataReceived, onData).off(RoomEvent.ParticipantConnected, onJoin).off(RoomEvent.ParticipantDisconnected, onLeave)
        .off(RoomEvent.TrackMuted, onMuted).off(RoomEvent.TrackUnmuted, onUnmuted).off(RoomEvent.LocalTrackPublished, onPublished)
        .off(RoomEvent.TrackSubscribed, onSubscribed).off(RoomEvent.TrackUnsubscribed, onUnsubscribed).off(RoomEvent.TrackUnpublished, onUnsubscribed);
    };
    this.session.onMicTrack = (track) => {
      this.tap?.follow(track);
      this.mixer?.set('local', track);
    };
    // In duet mode the other side is heard through the duet path (their WebRTC audio is off): mix that in.
    this.session.onDuetOutput = (node) => {
      this.duetOutput = node;
      this.mixInput(DUET_INPUT, node);
    };
    if (this.autoRecord) await this.start();
  }

  /** Teacher: switch auto-record for this lesson (stored on the lesson) and for everyone in the room now. */
  async setAutoRecord(on: boolean): Promise<void> {
    try {
      await api('PATCH', `/lessons/${encodeURIComponent(this.target.lessonId)}`, { scope: 'series', autoRecord: on });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return;
    }
    await this.send({ autoRecord: on });
    await this.apply(on);
  }

  /** This person's choice to record their camera as well (kept in this browser). */
  async setRecordCamera(on: boolean): Promise<void> {
    this.recordCamera = on;
    localStorage.setItem(CAMERA_KEY, on ? '1' : '0');
    await this.cameraChanged(on);
  }

  private cameraChanged(live: boolean): Promise<void> {
    this.videoQueue = this.videoQueue.then(() => (live ? this.startVideo() : this.stopVideo())).catch((err: Error) => void (this.error = err.message));
    return this.videoQueue;
  }

  private async startVideo(): Promise<void> {
    if (this.video || !this.recorder || !this.tap || !this.recordCamera) return;
    const camera = this.session.room?.localParticipant.getTrackPublication(Track.Source.Camera)?.track;
    const track = camera?.mediaStreamTrack;
    if (!camera || camera.isMuted || !track || track.readyState === 'ended') return;
    const mime = pickVideoMime();
    if (!mime) return;
    const rec = new Recorder(new MediaStream([track, ...this.tap.stream.getAudioTracks()]), { occurrence: this.target.occurrence, participantId: this.target.participantId, kind: 'video', mime });
    this.video = rec;
    await rec.start();
    await this.noteOffset([rec.id]);
    this.videoIds = [...this.videoIds, rec.id];
    this.videoActive = true;
  }

  private async stopVideo(): Promise<void> {
    const rec = this.video;
    if (!rec) return;
    this.video = null;
    this.videoActive = false;
    await rec.stop();
    const done = await finalise(rec.id);
    if (done) uploads.enqueue(done);
  }

  private async apply(on: boolean): Promise<void> {
    this.autoRecord = on;
    if (on) await this.start();
    else await this.stop();
  }

  async start(): Promise<void> {
    if (this.recorder) return;
    const mime = pickAudioMime();
    if (!mime) {
      this.error = 'MediaRecorder cannot record audio in this browser.';
      return;
    }
    this.error = null;
    this.tap = this.engine.recordingTap(2);
    this.tap.follow(this.session.micStreamTrack());
    const rec = new Recorder(this.tap.stream, { occurrence: this.target.occurrence, participantId: this.target.participantId, kind: 'audio', mime });
    this.recorder = rec;
    try {
      await rec.start();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.recorder = null;
      this.tap.dispose();
      this.tap = null;
      return;
    }
    this.currentId = rec.id;
    this.active = true;
    if (this.target.role === 'teacher') await this.startMix(mime);
    await this.noteOffset(this.ids());
    void this.cameraChanged(true);
    void this.announce();
    void this.checkStorage();
    this.timer = setInterval(() => {
      void this.checkStorage();
      // Data messages are not replayed to late joiners: say it again now and then.
      void this.announce();
      // The student's start is kept on the teacher's clock too: the estimate sharpens as pings come back.
      void this.noteOffset(this.ids());
      if (rec.writeError) this.error = rec.writeError;
    }, 3000);
  }

  /** Stops, finalises and queues the upload. */
  async stop(): Promise<void> {
    const rec = this.recorder;
    if (!rec) return;
    // No camera file may start from here on; the one running needs the sound tap, so it stops first.
    this.recorder = null;
    await this.videoQueue;
    const video = this.video;
    this.video = null;
    this.videoActive = false;
    await video?.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const mix = this.mix;
    this.mix = null;
    await this.noteOffset([rec.id, ...(mix ? [mix.id] : []), ...(video ? [video.id] : [])]);
    await Promise.all([rec.stop(), mix?.stop()]);
    this.tap?.dispose();
    this.tap = null;
    this.mixer?.dispose();
    this.mixer = null;
    this.mixing = [];
    this.active = false;
    void this.announce();
    const done = await finalise(rec.id);
    if (done) uploads.enqueue(done);
    const mixDone = mix ? await finalise(mix.id) : undefined;
    if (mixDone) uploads.enqueue(mixDone);
    const videoDone = video ? await finalise(video.id) : undefined;
    if (videoDone) uploads.enqueue(videoDone);
  }

  /**
   * Teacher: records the lesson as heard, the microphone and every remote participant's audio mixed in the audio
   * engine. Audio only: the teacher's browser already encodes the camera for the call (and maybe for the camera
   * file); a second video encode of a composed picture would cost far more than one more Opus stream.
   */
  private async startMix(mime: string): Promise<void> {
    const room = this.session.room;
    if (!room) return;
    const mixer = this.engine.recordingMix(2);
    mixer.set('local', this.session.micStreamTrack());
    for (const p of room.remoteParticipants.values()) {
      const track = micPublication(p)?.track?.mediaStreamTrack;
      if (track) mixer.set(p.identity, track);
    }
    const mix = new Recorder(mixer.stream, { occurrence: this.target.occurrence, participantId: this.target.participantId, kind: 'mix', mime });
    try {
      await mix.start();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      mixer.dispose();
      return;
    }
    if (this.duetOutput) mixer.set(DUET_INPUT, this.duetOutput);
    this.mixer = mixer;
    this.mix = mix;
    this.mixId = mix.id;
    this.mixing = mixer.keys().filter((k) => k !== 'local');
  }

  /** Each remote participant's microphone, as subscribed now, is an input of the lesson-as-heard mix. */
  private syncMix(): void {
    const room = this.session.room;
    if (!this.mixer || !room) return;
    const remote = new Map<string, MediaStreamTrack>();
    for (const p of room.remoteParticipants.values()) {
      const track = micPublication(p)?.track?.mediaStreamTrack;
      if (track) remote.set(p.identity, track);
    }
    for (const key of this.mixer.keys()) if (key !== 'local' && key !== DUET_INPUT && !remote.has(key)) this.mixer.set(key, null);
    for (const [identity, track] of remote) this.mixer.set(identity, track);
    this.mixing = this.mixer.keys().filter((k) => k !== 'local');
  }

  private mixInput(key: string, input: MediaStreamTrack | AudioNode | null): void {
    if (!this.mixer) return;
    this.mixer.set(key, input);
    this.mixing = this.mixer.keys().filter((k) => k !== 'local');
  }

  private ids(): string[] {
    return [this.recorder?.id, this.mix?.id, this.video?.id].filter((x): x is string => !!x);
  }

  /**
   * The teacher's clock minus this browser's wall clock (ms), written to the recordings' rows (so a crashed recording
   * keeps it too); the server adds it to the wall-clock startedAt. "The teacher's clock" is the teacher page's own
   * clock (performance.timeOrigin + now), the one ClockSync measures against: pages' performance clocks can sit
   * hundreds of ms away from Date.now() and from each other, so each browser adds its own (page − wall) difference.
   * Teacher: just that difference; student: the ClockSync estimate to the teacher plus it, or nothing until measured.
   */
  private async noteOffset(ids: string[]): Promise<void> {
    const pageMinusWall = nowMs() - Date.now();
    let offset: number | null = null;
    if (this.target.role === 'teacher') offset = pageMinusWall;
    else {
      const teacher = [...(this.session.room?.remoteParticipants.values() ?? [])].find((p) => p.attributes.role === 'teacher');
      if (teacher) {
        this.session.clocks?.follow(teacher.identity);
        const estimate = this.session.clocks?.offsetTo(teacher.identity)?.offsetMs;
        if (estimate !== undefined) offset = estimate + pageMinusWall;
      }
    }
    if (offset === null) return;
    for (const id of ids) await updateRecording(id, { clockOffsetMs: offset }).catch(() => undefined);
  }

  async detach(): Promise<void> {
    await this.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session.onMicTrack = null;
  }

  private async announce(): Promise<void> {
    await this.send({ rec: this.active });
  }

  private async send(msg: Message): Promise<void> {
    await this.session.room?.localParticipant.publishData(new TextEncoder().encode(JSON.stringify(msg)), { reliable: true, topic: TOPIC }).catch(() => undefined);
  }

  private async checkStorage(): Promise<void> {
    if (!navigator.storage) return;
    if (this.persisted === null) this.persisted = await navigator.storage.persist().catch(() => false);
    const e = await navigator.storage.estimate().catch(() => null);
    if (e) this.usage = { used: e.usage ?? 0, quota: e.quota ?? 0 };
  }
}
