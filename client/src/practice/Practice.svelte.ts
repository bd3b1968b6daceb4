// The practice page's state: camera and microphone, a local metronome on the wasm kernel, the
// tuner, and the practice log that fills itself (a session starts with the first note or click
// and is saved when the person finishes or leaves the page).
import { METRONOME_LIMITS, type MetronomeSettings, type PracticeSession, type PracticeSessionRequest } from '../../../shared/api';
import type { MuseAnalyserNode, Pitch } from '../audio/AnalyserNode';
import type { AudioEngine } from '../audio/engine';
import type { MetronomeNode } from '../audio/MetronomeNode';
import { api } from '../lib/api';
import { newRecordingId } from '../recording/store';
import { PracticeRecording } from './PracticeRecording.svelte';
import { StringDeviation, tapTempo } from './practiceMath';

/** Shorter sessions are not logged (opening the page by mistake is not practice). */
export const MIN_SESSION_SECONDS = 5;
/** Readings of the tuner per second for the statistics. */
const POLL_MS = 50;

export class Practice {
  bpm = $state(80);
  beatsPerBar = $state(4);
  subdivisions = $state(1);
  accent = $state(true);
  volume = $state(0.7);
  running = $state(false);
  lastTick = $state<{ atMs: number; kind: number } | null>(null);
  analyser = $state<MuseAnalyserNode | null>(null);
  camera = $state<MediaStream | null>(null);
  error = $state<string | null>(null);
  /** Seconds practised in the current session (0 before the first note or click). */
  seconds = $state(0);
  saved = $state<PracticeSession | null>(null);
  saveError = $state<string | null>(null);
  /** Recording into the library (students only: their teacher hears it there). */
  readonly recording: PracticeRecording | null;
  /** This session's key: the log row and its recordings carry it. */
  key = newRecordingId().replace('rec-', 'prac-');

  private node: MetronomeNode | null = null;
  private stream: MediaStream | null = null;
  private disposeAnalyser: (() => void) | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;
  private taps: number[] = [];
  private startedAt: Date | null = null;
  private lastActive = 0;
  private tempos: number[] = [];
  /** The tempo the kernel plays now (a change waits for the bar line). */
  private playing = 0;
  private deviation = new StringDeviation();

  constructor(
    private readonly engine: AudioEngine,
    /** Only students have a log; a teacher may practise without one. */
    readonly logs: boolean,
    participantId = '',
  ) {
    this.recording = logs ? new PracticeRecording(engine, participantId) : null;
  }

  /** Starts or stops recording; a recording is part of (and starts) the current session. */
  async toggleRecording(): Promise<void> {
    const rec = this.recording;
    if (!rec) return;
    if (rec.active) return rec.stop();
    await this.engine.resume();
    this.active();
    await rec.start(this.key, this.stream?.getAudioTracks()[0] ?? null, this.stream?.getVideoTracks()[0] ?? null);
  }

  /** Opens camera and microphone (processing off: the tuner wants the violin, not speech). */
  async open(): Promise<void> {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return;
    }
    await this.engine.resume();
    this.camera = new MediaStream(this.stream.getVideoTracks());
    const mic = this.stream.getAudioTracks()[0];
    if (mic) {
      const made = this.engine.analyserFor(mic);
      this.analyser = made.analyser;
      this.disposeAnalyser = made.dispose;
    }
    const reading: Pitch = { hz: null, midi: 0, cents: 0, confidence: 0, centreCents: null };
    this.poll = setInterval(() => {
      const p = this.analyser?.pitch(reading);
      const voiced = p !== undefined && p.hz !== null && p.confidence > 0.9;
      if (voiced) this.deviation.add(p.midi, p.cents, POLL_MS / 1000);
      if (voiced || this.running || this.recording?.active) this.active();
    }, POLL_MS);
  }

  toggle(): void {
    if (this.running) this.stop();
    else this.start();
  }

  start(): void {
    void this.engine.resume();
    const node = this.ensureNode();
    this.playing = this.bpm;
    node.start(this.kernelSettings());
    this.running = true;
  }

  stop(): void {
    this.node?.stop();
    this.running = false;
  }

  /** Changes apply at the next bar line while running. */
  set(change: Partial<MetronomeSettings> & { accent?: boolean }): void {
    const L = METRONOME_LIMITS;
    if (change.bpm !== undefined) this.bpm = Math.round(Math.min(L.maxBpm, Math.max(L.minBpm, change.bpm)));
    if (change.beatsPerBar !== undefined) this.beatsPerBar = change.beatsPerBar;
    if (change.subdivisions !== undefined) this.subdivisions = change.subdivisions;
    if (change.accent !== undefined) this.accent = change.accent;
    if (this.running) this.node?.setTempo(this.kernelSettings());
  }

  tap(now = performance.now()): void {
    this.taps = [...this.taps.slice(-7), now];
    const bpm = tapTempo(this.taps);
    if (bpm !== null) this.set({ bpm });
  }

  setVolume(v: number): void {
    this.volume = v;
    this.node?.setVolume(v);
  }

  /** What the log would save now, or null when too short to count. */
  summary(): PracticeSessionRequest | null {
    if (!this.startedAt) return null;
    const durationSeconds = Math.round((this.lastActive - this.startedAt.getTime()) / 1000);
    if (durationSeconds < MIN_SESSION_SECONDS) return null;
    return { startedAt: this.startedAt.toISOString(), durationSeconds, tempos: [...this.tempos], tuner: this.deviation.result(), key: this.key };
  }

  /** Saves the session (if any) and starts a new one. */
  async finish(opts: { keepalive?: boolean } = {}): Promise<PracticeSession | null> {
    // A recording belongs to the session it started in: it ends with it.
    if (!opts.keepalive) await this.recording?.stop();
    const body = this.logs ? this.summary() : null;
    this.key = newRecordingId().replace('rec-', 'prac-');
    this.startedAt = null;
    this.seconds = 0;
    this.tempos = this.running ? [this.playing] : [];
    this.deviation = new StringDeviation();
    if (!body) return null;
    this.saveError = null;
    try {
      if (opts.keepalive) {
        // The page is going away: fire and forget, but let it outlive the page.
        void fetch('/api/practice/sessions', { method: 'POST', keepalive: true, credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        return null;
      }
      this.saved = await api<PracticeSession>('POST', '/practice/sessions', body);
      return this.saved;
    } catch (err) {
      this.saveError = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  close(): void {
    // Leaving mid-recording: what is stored so far is finalised and uploaded now (or by recovery on the next visit).
    void this.recording?.stop();
    void this.finish({ keepalive: true });
    if (this.poll) clearInterval(this.poll);
    this.node?.disconnect();
    this.node = null;
    this.disposeAnalyser?.();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.camera = null;
    this.analyser = null;
  }

  private active(): void {
    const now = Date.now();
    if (!this.startedAt) this.startedAt = new Date(now);
    this.lastActive = now;
    this.seconds = Math.floor((now - this.startedAt.getTime()) / 1000);
  }

  /** A tempo counts once it is heard: a run of quick +1 taps is one change, at the next bar. */
  private heard(kind: number): void {
    if (kind !== 0) return;
    this.playing = this.bpm;
    this.active();
    if (!this.tempos.includes(this.playing)) this.tempos.push(this.playing);
  }

  /** Without an accent the kernel plays bars of one beat: every beat sounds alike. */
  private kernelSettings(): MetronomeSettings {
    return { bpm: this.bpm, beatsPerBar: this.accent ? this.beatsPerBar : 1, subdivisions: this.subdivisions };
  }

  private ensureNode(): MetronomeNode {
    if (this.node) return this.node;
    const node = this.engine.metronome();
    node.setVolume(this.volume);
    node.onTick((t) => {
      this.lastTick = { atMs: performance.timeOrigin + this.engine.perfTimeAtFrame(t.frame), kind: t.kind };
      this.heard(t.kind);
    });
    this.node = node;
    return node;
  }
}
