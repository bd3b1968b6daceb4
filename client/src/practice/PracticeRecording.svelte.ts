// Recording on the practice page: the student's microphone (and, if they choose, the camera with it) through the
// same crash-safe path as lessons (chunks into IndexedDB, finalised, uploaded with tus), tagged with the practice
// session's key so the library links it to the practice log.
import type { AudioEngine } from '../audio/engine';
import { finalise } from '../recording/finalise';
import { pickAudioMime, pickVideoMime, Recorder } from '../recording/Recorder';
import { uploads } from '../recording/uploads.svelte';

const CAMERA_KEY = 'muse.recordCamera';

export class PracticeRecording {
  active = $state(false);
  /** Seconds since this recording started (for the button's clock). */
  seconds = $state(0);
  error = $state<string | null>(null);
  /** Also record the camera (the same choice as in lessons, kept in this browser). */
  withCamera = $state(localStorage.getItem(CAMERA_KEY) === '1');
  /** Ids of the last recording's files (tests read them). */
  lastIds = $state<string[]>([]);

  private audio: Recorder | null = null;
  private video: Recorder | null = null;
  private tap: ReturnType<AudioEngine['recordingTap']> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly engine: AudioEngine,
    private readonly participantId: string,
  ) {}

  setWithCamera(on: boolean): void {
    this.withCamera = on;
    localStorage.setItem(CAMERA_KEY, on ? '1' : '0');
  }

  /** Starts recording `mic` (and `camera` if chosen) for the practice session `key`. */
  async start(key: string, mic: MediaStreamTrack | null, camera: MediaStreamTrack | null): Promise<void> {
    if (this.audio) return;
    const mime = pickAudioMime();
    if (!mime || !mic) {
      this.error = mic ? 'MediaRecorder cannot record audio in this browser.' : 'There is no microphone to record.';
      return;
    }
    this.error = null;
    const tap = this.engine.recordingTap(2);
    tap.follow(mic);
    const meta = { occurrence: '', participantId: this.participantId, practice: key };
    const audio = new Recorder(tap.stream, { ...meta, kind: 'audio', mime });
    const videoMime = pickVideoMime();
    const video = this.withCamera && camera && camera.readyState === 'live' && videoMime
      ? new Recorder(new MediaStream([camera, ...tap.stream.getAudioTracks()]), { ...meta, kind: 'video', mime: videoMime })
      : null;
    try {
      await audio.start();
      await video?.start();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      await audio.stop().catch(() => undefined);
      tap.dispose();
      return;
    }
    this.audio = audio;
    this.video = video;
    this.tap = tap;
    this.lastIds = [audio.id, ...(video ? [video.id] : [])];
    this.active = true;
    this.seconds = 0;
    const began = Date.now();
    this.timer = setInterval(() => {
      this.seconds = Math.floor((Date.now() - began) / 1000);
      if (audio.writeError) this.error = audio.writeError;
    }, 250);
  }

  /** Stops, finalises and queues the uploads (progress shows in the uploads card). */
  async stop(): Promise<void> {
    const audio = this.audio;
    if (!audio) return;
    const video = this.video;
    this.audio = null;
    this.video = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([audio.stop(), video?.stop()]);
    this.tap?.dispose();
    this.tap = null;
    this.active = false;
    for (const id of [audio.id, ...(video ? [video.id] : [])]) {
      const done = await finalise(id);
      if (done) uploads.enqueue(done);
    }
  }
}
