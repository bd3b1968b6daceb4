// One person's side of a lesson call: the LiveKit room, who is in it, their tracks and levels,
// and the connection state shown to the person.
import {
  ConnectionQuality,
  ConnectionState,
  createLocalAudioTrack,
  DisconnectReason,
  LocalAudioTrack,
  type LocalVideoTrack,
  type Participant,
  type TrackPublication,
  RemoteTrackPublication,
  DefaultReconnectPolicy,
  Room,
  RoomEvent,
  Track,
  TrackEvent,
} from 'livekit-client';

import { type JoinResponse, type MetronomeSettings, parseRoomState, type Role, type RoomState } from '../../../shared/api';
import type { AudioEngine } from '../audio/engine';
import { MuseAnalyserNode } from '../audio/AnalyserNode';
import { api } from '../lib/api';
import { applyJitterBufferTarget, type AudioMode, captureOptions, limiterWanted, publishOptions, publishPtime, storedMicBoostDb } from './audioMode';
import { setPublishPtime } from './opusFrames';
import { MicLimiter } from './MicLimiter';
import { MusicCheck } from './check/MusicCheck.svelte';
import { ClockSync, nowMs } from './ClockSync.svelte';
import { Duet, type DuetOptions, wantsDuetRtp } from './Duet.svelte';
import { enableDuetRtp } from './duetRtp';
import { DROPPED_KEEP_MS, leftOnPurpose } from './departure';
import { LatencyProbe } from './LatencyProbe.svelte';
import { REPLACE_MARGIN_MS, SHARED_LEAD_MS, SharedMetronome } from './SharedMetronome.svelte';

/** Retry delays after a lost connection, ms (each ±50 % at random). LiveKit's default waits up to
 *  7 s (±50 %, so 10.5 s) between tries and gives up after ~45 s: built for rooms of many, where
 *  thousands of clients must not hammer a restarted server. A lesson has two people, and every
 *  second of silence after the server is back is a second of the lesson lost: a browser test saw
 *  the teacher still reconnecting 15 s after the SFU restarted. Here: a try every 1–3 s, for ~2 minutes. */
export const LESSON_RETRY_DELAYS_MS = [0, 300, 1000, 1500, ...Array<number>(58).fill(2000)];

export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'left' | 'lost' | 'failed';

export interface Peer {
  identity: string;
  name: string;
  role: Role | null;
  isLocal: boolean;
  video: Track | null;
  audio: Track | null;
  /** Meters and pitch of this person's microphone. */
  analyser: MuseAnalyserNode | null;
  micMuted: boolean;
  /** The SFU hears nothing from this person any more (their network dropped); they may come back by themselves. */
  connectionLost: boolean;
}

interface DroppedPeer {
  name: string;
  role: Role | null;
  timer: ReturnType<typeof setTimeout>;
}

interface AnalyserEntry {
  trackSid: string;
  analyser: MuseAnalyserNode;
  dispose(): void;
}

export class LessonSession {
  state = $state<CallState>('idle');
  peers = $state<Peer[]>([]);
  /** Why joining failed, in the words of whatever failed (shown inside a translated sentence). */
  failure = $state<string | null>(null);
  micMuted = $state(false);
  cameraOff = $state(false);
  /** ms from join() to the first remote audio track being subscribed. */
  joinToRemoteAudioMs = $state<number | null>(null);
  /** The lesson-wide state the teacher sets (from the room metadata). */
  roomState = $state<RoomState>(parseRoomState(null));
  /** How this side's microphone is actually published right now. */
  audioMode = $state<AudioMode>('speech');
  /** A mode change is being applied (the microphone is re-published). */
  switchingMode = $state(false);
  /** Why the last music-mode request failed, as the server said it. */
  modeError = $state<string | null>(null);
  role = $state<Role>('student');
  /** The duet path while duet mode is on (null otherwise). */
  duet = $state<Duet | null>(null);
  /** Why the last duet request failed, or why duet mode could not start. */
  duetError = $state<string | null>(null);
  /** Duet mode ended because loss or jitter made playing together pointless. */
  duetFellBack = $state(false);
  /** Codec and frame size of the duet path (?duet=pcm-120 and the like in the URL override them). */
  duetOptions: Partial<DuetOptions> = {};
  /** The teacher's side ends duet mode after 3 s of a poor path (the benchmark turns this off to measure poor paths too). */
  duetFallback = true;
  /** Browser tests only: the share of the other side's duet packets each new duet drops on arrival. */
  duetDropInbound = 0;

  room: Room | null = null;
  /** Told each time the published microphone becomes a new track (music mode re-publishes it); recording follows. */
  onMicTrack: ((track: MediaStreamTrack | null) => void) | null = null;
  /** One-way latency to the other side, measured on demand. */
  probe = $state<LatencyProbe | null>(null);
  /** The limiter on the published microphone (music mode), null when the microphone goes out unprocessed. */
  micLimiter = $state.raw<MicLimiter | null>(null);
  /** Gain before the limiter in music mode, dB; 0 sends the capture untouched (the lowest latency). */
  micBoostDb = $state(storedMicBoostDb());
  private micRaw: MediaStreamTrack | null = null;
  /** The unpublished capture behind a limited microphone (null when the capture itself is published). */
  private micCapture: LocalAudioTrack | null = null;
  /** The music-safety check of this side's path through the SFU. */
  check = $state<MusicCheck | null>(null);
  /** The shared metronome as this side plays it, and the clock offsets it relies on. */
  metronome = $state<SharedMetronome | null>(null);
  clocks: ClockSync | null = null;
  /** Why the last metronome request failed, as the server said it. */
  metronomeError = $state<string | null>(null);
  private metronomeWanted: MetronomeSettings | null | undefined = undefined;
  private metronomeBusy = false;
  private grant: JoinResponse | null = null;
  private micTrack: LocalAudioTrack | null = null;
  private micDeviceId: string | undefined;
  private modeQueue: Promise<void> = Promise.resolve();
  private analysers = new Map<string, AnalyserEntry>();
  /** Remote people the SFU removed because their connection timed out, by identity, until they return. */
  private dropped = new Map<string, DroppedPeer>();
  private joinStarted = 0;

  constructor(private readonly engine: AudioEngine) {}

  /**
   * Connects and publishes. The microphone is opened here, with the settings of the room's
   * current mode (a late joiner starts in music mode when the lesson is in it).
   */
  async join(grant: JoinResponse, tracks: { micDeviceId?: string; video: LocalVideoTrack | null }, speakerId?: string, opts: { forceRelay?: boolean } = {}): Promise<void> {
    this.state = 'connecting';
    this.grant = grant;
    this.role = grant.role;
    this.micDeviceId = tracks.micDeviceId;
    this.failure = null;
    this.joinStarted = performance.now();
    // Duet frames in RTP (the default carrier) need every remote audio receiver caught as it is
    // made (duetRtp.ts): readied before joining when this page carries them (wantsDuetRtp).
    if (wantsDuetRtp(this.duetOptions)) enableDuetRtp();
    const room = new Room({
      adaptiveStream: false,
      dynacast: true,
      audioOutput: speakerId ? { deviceId: speakerId } : undefined,
      disconnectOnPageLeave: true,
      reconnectPolicy: new DefaultReconnectPolicy(LESSON_RETRY_DELAYS_MS),
    });
    this.room = room;
    const refresh = () => this.refresh();
    // Someone joining or leaving during duet mode can change what carries the duet frames.
    const changed = () => {
      this.recheckDuetCarrier();
      refresh();
    };
    room
      .on(RoomEvent.ParticipantConnected, (p) => {
        this.forgetDropped(p.identity);
        changed();
      })
      .on(RoomEvent.ParticipantDisconnected, (p, reason) => {
        if (!leftOnPurpose(reason)) this.rememberDropped(p, reason);
        changed();
      })
      .on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind === Track.Kind.Audio) applyJitterBufferTarget(track.receiver);
        if (track.kind === Track.Kind.Audio && this.joinToRemoteAudioMs === null) {
          this.joinToRemoteAudioMs = performance.now() - this.joinStarted;
        }
        refresh();
      })
      .on(RoomEvent.TrackUnsubscribed, refresh)
      // A re-published microphone: the new track can be subscribed while the old publication is still listed, and
      // the old one's removal is only complete at its unpublication.
      .on(RoomEvent.TrackUnpublished, refresh)
      .on(RoomEvent.TrackMuted, refresh)
      .on(RoomEvent.TrackUnmuted, refresh)
      .on(RoomEvent.LocalTrackPublished, refresh)
      .on(RoomEvent.ParticipantAttributesChanged, changed)
      .on(RoomEvent.ConnectionQualityChanged, refresh)
      .on(RoomEvent.RoomMetadataChanged, (metadata) => this.onRoomState(metadata))
      .on(RoomEvent.ConnectionStateChanged, (s) => this.onConnectionState(s))
      .on(RoomEvent.Disconnected, (reason) => this.onDisconnected(reason));
    try {
      // forceRelay: every packet through LiveKit's TURN server, as on a network that blocks
      // direct UDP (a troubleshooting switch, ?relay=1, and what the relay test uses).
      await room.connect(grant.livekitUrl, grant.token, opts.forceRelay ? { rtcConfig: { iceTransportPolicy: 'relay' } } : {});
    } catch (err) {
      this.state = 'failed';
      this.failure = err instanceof Error ? err.message : String(err);
      this.room = null;
      return;
    }
    await this.engine.resume();
    await room.startAudio().catch(() => {});
    this.roomState = parseRoomState(room.metadata);
    this.probe = new LatencyProbe(room, this.engine, () => this.audioMode);
    this.check = new MusicCheck(room, grant, this.engine, () => this.audioMode, async () => {
      const r = await this.micReport();
      return r ? { settings: r.settings, fmtp: (r.codec as { sdpFmtpLine?: string } | null)?.sdpFmtpLine ?? null } : null;
    });
    this.clocks = new ClockSync(room);
    this.metronome = new SharedMetronome(this.engine, this.clocks, () => room.localParticipant.identity, () => this.probe?.result?.medianMs ?? null);
    this.metronome.follow(this.roomState.metronome);
    try {
      await this.publishMic(this.roomState.musicMode ? 'music' : 'speech');
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err);
    }
    await this.followDuet();
    if (tracks.video) await room.localParticipant.publishTrack(tracks.video, { source: Track.Source.Camera, simulcast: true });
    this.state = 'connected';
    this.refresh();
  }

  async leave(): Promise<void> {
    const room = this.room;
    this.state = 'left';
    this.stopDuet();
    await room?.disconnect(true);
    this.metronome?.dispose();
    this.clocks?.dispose();
    this.micTrack = null;
    this.micLimiter?.stop();
    this.micLimiter = null;
    this.micCapture?.stop();
    this.micCapture = null;
    this.disposeAnalysers();
    this.forgetDropped();
    this.peers = [];
    this.room = null;
  }

  /** Teacher only (the server refuses anyone else): switch music mode for everyone. */
  async setMusicMode(on: boolean): Promise<void> {
    if (!this.grant) return;
    this.modeError = null;
    try {
      await api('POST', `/rooms/${encodeURIComponent(this.grant.room)}/music-mode`, { on }, { Authorization: `Bearer ${this.grant.controlToken}` });
    } catch (err) {
      this.modeError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Teacher only (the server refuses anyone else): switch duet mode for everyone (on turns music mode on);
   *  'fallback': this side ends it because the path is too poor, and the room state tells the other side so. */
  async setDuet(on: boolean, reason?: 'fallback'): Promise<void> {
    if (!this.grant) return;
    this.duetError = null;
    if (on) this.duetFellBack = false;
    try {
      const state = await api<RoomState>('POST', `/rooms/${encodeURIComponent(this.grant.room)}/duet`, { on, ...(reason ? { reason } : {}) }, { Authorization: `Bearer ${this.grant.controlToken}` });
      this.onRoomState(JSON.stringify(state));
    } catch (err) {
      this.duetError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Starts or stops the duet path to match the room state (after the microphone is published). */
  private async followDuet(): Promise<void> {
    const room = this.room;
    if (!room) return;
    if (this.roomState.duet && !this.duet && this.micTrack) {
      const duet = new Duet(room, this.engine, this.clocks, this.duetOptions);
      duet.dropInbound = this.duetDropInbound;
      this.duetRun++;
      this.duet = duet;
      try {
        await duet.start(this.micRaw ?? this.micTrack.mediaStreamTrack);
        if (duet.error) this.duetError = duet.error;
        if (this.duet === duet && duet.output) this.onDuetOutput?.(duet.output);
      } catch (err) {
        this.duetError = err instanceof Error ? err.message : String(err);
      }
      this.duetWatch = setInterval(() => this.watchDuet(), 1000);
    } else if (!this.roomState.duet && this.duet) {
      this.stopDuet();
    }
    this.refresh();
  }

  private duetWatch: ReturnType<typeof setInterval> | null = null;
  /** Told when the duet path starts playing the other side (its playback node) and when it stops (null): the lesson-as-heard recording mixes it in. */
  onDuetOutput: ((node: AudioNode | null) => void) | null = null;
  /** Counts duet runs: each has its own playback node for the other side's meter. */
  private duetRun = 0;
  private poorSince: number | null = null;

  /** Keeps the clock offset to the partner fresh; the teacher ends duet mode when it has been poor for 3 s. */
  private watchDuet(): void {
    const duet = this.duet;
    const room = this.room;
    if (!duet || !room) return;
    const other = [...room.remoteParticipants.values()][0]?.identity ?? null;
    if (other && this.roomState.metronome.clock !== other) this.clocks?.follow(other);
    if (!duet.poor) {
      this.poorSince = null;
      return;
    }
    this.poorSince ??= performance.now();
    if (this.duetFallback && performance.now() - this.poorSince > 3000) {
      this.duetFellBack = true;
      if (this.role === 'teacher') void this.setDuet(false, 'fallback').then(() => (this.duetFellBack = true));
    }
  }

  /** Starts the duet again on the carrier the room now calls for (Duet.carrierStale): a student who
   *  rejoins in a browser without WebRTC Encoded Transform is then heard, and hears, on the data
   *  channel at once, instead of silence until the poor-path verdict ends duet mode. */
  private recheckDuetCarrier(): void {
    const duet = this.duet;
    if (!duet?.running || !duet.carrierStale()) return;
    this.duetRestarts++;
    const fellBack = this.duetFellBack;
    this.stopDuet();
    this.duetFellBack = fellBack; // not a fallback: the same duet goes on, on the other carrier
    this.modeQueue = this.modeQueue.then(() => this.followDuet());
  }
  /** Duets started again on another carrier (recheckDuetCarrier). */
  duetRestarts = 0;

  private stopDuet(): void {
    if (this.duetWatch) clearInterval(this.duetWatch);
    this.duetWatch = null;
    if (this.duet?.poor) this.duetFellBack = true;
    if (this.duet) this.onDuetOutput?.(null);
    this.duet?.stop();
    this.duet = null;
    this.poorSince = null;
  }

  /** The published microphone's track, before the network (what this side records). */
  micStreamTrack(): MediaStreamTrack | null {
    return this.micTrack ? this.micRaw : null;
  }

  /**
   * Teacher only (the server refuses anyone else): start the shared metronome, change its tempo
   * or metre (at the next bar line of the running grid), or stop it (null).
   */
  async setMetronome(settings: MetronomeSettings | null): Promise<void> {
    // One request at a time, the latest wins: quick taps on +5 become one change, and the
    // server never applies two grids out of order.
    this.metronomeWanted = settings;
    if (this.metronomeBusy) return;
    this.metronomeBusy = true;
    try {
      while (this.metronomeWanted !== undefined) {
        const next = this.metronomeWanted;
        this.metronomeWanted = undefined;
        await this.sendMetronome(next);
      }
    } finally {
      this.metronomeBusy = false;
    }
  }

  private async sendMetronome(settings: MetronomeSettings | null): Promise<void> {
    if (!this.grant || !this.room) return;
    this.metronomeError = null;
    let current = this.roomState.metronome;
    const mine = current.running && current.clock === this.room.localParticipant.identity && current.startAtMs !== null;
    // A change that has not started yet is replaced at its own downbeat while there is time to
    // tell everyone; too close to it, wait until it has started and change at its next bar.
    if (mine && current.startAtMs! > nowMs() && current.startAtMs! <= nowMs() + REPLACE_MARGIN_MS) {
      await new Promise((r) => setTimeout(r, current.startAtMs! - nowMs() + 5));
      current = this.roomState.metronome;
    }
    const now = nowMs();
    const startAtMs = !mine ? now + SHARED_LEAD_MS : current.startAtMs! > now + REPLACE_MARGIN_MS ? current.startAtMs! : SharedMetronome.nextBarLine(current, now + SHARED_LEAD_MS);
    const body = settings ? { running: true, ...settings, startAtMs } : { running: false };
    try {
      const state = await api<RoomState>('POST', `/rooms/${encodeURIComponent(this.grant.room)}/metronome`, body, { Authorization: `Bearer ${this.grant.controlToken}` });
      this.roomState = state;
      this.metronome?.follow(state.metronome);
    } catch (err) {
      this.metronomeError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Capture and encoder figures of the published microphone (what tests and the safety check read). */
  async micReport(): Promise<{ settings: MediaTrackSettings; codec: RTCStats | null; outbound: RTCStats | null } | null> {
    const track = this.micTrack;
    if (!track) return null;
    const stats = await track.getRTCStatsReport();
    let outbound: RTCStats | null = null;
    let codec: RTCStats | null = null;
    stats?.forEach((s: RTCStats & { codecId?: string; kind?: string }) => {
      if (s.type === 'outbound-rtp' && s.kind === 'audio') outbound = s;
    });
    const codecId = (outbound as { codecId?: string } | null)?.codecId;
    if (codecId) codec = stats?.get(codecId) ?? null;
    return { settings: (this.micRaw ?? track.mediaStreamTrack).getSettings(), codec, outbound };
  }

  private onRoomState(metadata: string): void {
    const wasDuet = this.roomState.duet;
    this.roomState = parseRoomState(metadata);
    // The teacher's side fell back: told here even when this side's own verdict had not (yet) found
    // the path poor (a student just moved from Tight to Steady starts its window again).
    if (wasDuet && !this.roomState.duet && this.roomState.duetEnded === 'fallback') this.duetFellBack = true;
    // A new duet: the last one's notice goes (on the student's side too, where no click clears it).
    if (!wasDuet && this.roomState.duet) this.duetFellBack = false;
    this.metronome?.follow(this.roomState.metronome);
    const want: AudioMode = this.roomState.musicMode ? 'music' : 'speech';
    this.modeQueue = this.modeQueue.then(async () => {
      if (this.room && want !== this.audioMode) await this.publishMic(want).catch((err: Error) => (this.modeError = err.message));
      await this.followDuet();
    });
  }

  /** Opens the microphone for `mode` and (re)publishes it; the call and the video go on. */
  private async publishMic(mode: AudioMode): Promise<void> {
    const room = this.room;
    if (!room) return;
    this.switchingMode = true;
    try {
      const old = this.micTrack;
      if (old) {
        // Stereo and DTX are fixed per published track, so a mode change is a new track.
        await room.localParticipant.unpublishTrack(old, true);
        this.micTrack = null;
      }
      this.micLimiter?.stop();
      this.micLimiter = null;
      this.micCapture?.stop();
      this.micCapture = null;
      const capture = await createLocalAudioTrack(captureOptions(mode, this.micDeviceId));
      setPublishPtime(publishPtime(mode));
      let track = capture;
      if (mode === 'music' && limiterWanted(this.micBoostDb)) {
        // AGC is off in music mode: the wasm limiter keeps a fortissimo from clipping the encoder. The capture stays
        // unpublished (the recording, the duet path and the music check read it); its limited copy is what is sent.
        await this.engine.resume();
        const limiter = new MicLimiter(this.engine.context, this.engine.dsp, capture.mediaStreamTrack, this.micBoostDb);
        track = new LocalAudioTrack(limiter.processedTrack, undefined, true);
        this.micCapture = capture;
        this.micLimiter = limiter;
        // The SDK does not manage a capture it did not publish: if the device goes away, open it again.
        capture.mediaStreamTrack.addEventListener('ended', () => {
          if (this.micCapture !== capture || !this.room) return;
          this.modeQueue = this.modeQueue.then(() => this.publishMic(mode)).catch((err: Error) => {
            this.modeError = err.message;
          });
        });
      }
      this.micRaw = capture.mediaStreamTrack;
      // After a full reconnect (the SFU restarted, or this side's network came back) livekit-client
      // restarts the published microphone: a new MediaStreamTrack, the old one stopped. The recording
      // and the duet path follow it. (A limited track is ours, so the SDK leaves it and its capture alone.)
      track.on(TrackEvent.Restarted, () => {
        if (this.micTrack !== track) return;
        this.micRaw = track.mediaStreamTrack;
        this.onMicTrack?.(this.micRaw);
        this.duet?.follow(this.micRaw);
        this.refresh();
      });
      if (this.micMuted) await track.mute();
      await room.localParticipant.publishTrack(track, { source: Track.Source.Microphone, ...publishOptions(mode) });
      this.micTrack = track;
      this.audioMode = mode;
      this.onMicTrack?.(this.micRaw);
      this.duet?.follow(this.micRaw);
    } finally {
      this.switchingMode = false;
      this.refresh();
    }
  }

  /** This person's mic boost in music mode (kept in this browser). Turning it on or off re-publishes the microphone. */
  setMicBoost(db: number): void {
    this.micBoostDb = db;
    localStorage.setItem('muse.micBoostDb', String(db));
    if (this.audioMode !== 'music') return;
    if (limiterWanted(db) === !!this.micLimiter) {
      this.micLimiter?.setGainDb(db);
      return;
    }
    this.modeQueue = this.modeQueue.then(() => this.publishMic('music')).catch((err: Error) => {
      this.modeError = err.message;
    });
  }

  async setMicMuted(muted: boolean): Promise<void> {
    await this.room?.localParticipant.setMicrophoneEnabled(!muted);
    this.micMuted = muted;
    this.refresh();
  }

  async setCameraOff(off: boolean): Promise<void> {
    await this.room?.localParticipant.setCameraEnabled(!off);
    this.cameraOff = off;
    this.refresh();
  }

  private onConnectionState(s: ConnectionState): void {
    if (this.state === 'left') return;
    if (s === ConnectionState.Reconnecting || s === ConnectionState.SignalReconnecting) this.state = 'reconnecting';
    else if (s === ConnectionState.Connected && this.state !== 'connecting') this.state = 'connected';
  }

  private onDisconnected(reason?: DisconnectReason): void {
    if (this.state === 'left' || reason === DisconnectReason.CLIENT_INITIATED) return;
    this.state = 'lost';
    this.stopDuet();
    // A rejoin builds a new session with its own metronome: this one must not play on beside it.
    this.metronome?.dispose();
    this.clocks?.dispose();
    this.disposeAnalysers();
    this.forgetDropped();
    this.peers = [];
  }

  /** Keeps a person whose connection timed out on screen as "connection dropped" for a while. */
  private rememberDropped(p: Participant, reason: DisconnectReason | undefined): void {
    this.forgetDropped(p.identity);
    const role = p.attributes.role;
    const timer = setTimeout(() => {
      this.dropped.delete(p.identity);
      this.refresh();
    }, DROPPED_KEEP_MS);
    this.dropped.set(p.identity, { name: p.name || p.identity, role: role === 'teacher' || role === 'student' ? role : null, timer });
    console.info('participant dropped', { identity: p.identity, reason: reason === undefined ? 'unknown' : DisconnectReason[reason] });
  }

  private forgetDropped(identity?: string): void {
    for (const [id, d] of this.dropped) {
      if (identity !== undefined && id !== identity) continue;
      clearTimeout(d.timer);
      this.dropped.delete(id);
    }
  }

  /** Rebuilds the peer list from the room; meters follow the audio tracks. */
  private refresh(): void {
    const room = this.room;
    if (!room) return;
    const all: Participant[] = [room.localParticipant, ...room.remoteParticipants.values()];
    const live = new Set<string>();
    const duetOn = this.duet?.running === true;
    this.peers = all.map((p) => {
      const pub = micPublication(p);
      // In duet mode the other side is heard through the duet path only: stop their WebRTC
      // audio at the SFU (video goes on), and take it back when duet mode ends.
      if (pub instanceof RemoteTrackPublication && pub.isEnabled === duetOn) pub.setEnabled(!duetOn);
      const audio = pub?.track ?? null;
      const video = p.getTrackPublication(Track.Source.Camera)?.track ?? null;
      let analyser: MuseAnalyserNode | null = null;
      const duetOut = duetOn && p !== room.localParticipant ? this.duet?.output : null;
      if (duetOut) {
        // Their WebRTC audio is off: the meter and the tuner read what the duet path plays.
        live.add(p.identity);
        analyser = this.analyserOn(p.identity, `duet:${this.duetRun}`, duetOut);
      } else if (audio?.mediaStreamTrack) {
        live.add(p.identity);
        analyser = this.analyserFor(p.identity, audio);
      }
      const role = p.attributes.role;
      return {
        identity: p.identity,
        name: p.name || p.identity,
        role: role === 'teacher' || role === 'student' ? role : null,
        isLocal: p === room.localParticipant,
        video: video && !video.isMuted ? video : null,
        audio,
        analyser,
        micMuted: audio ? audio.isMuted : true,
        connectionLost: p !== room.localParticipant && p.connectionQuality === ConnectionQuality.Lost,
      };
    });
    for (const [identity, d] of this.dropped) {
      if (room.remoteParticipants.has(identity)) continue;
      this.peers.push({ identity, name: d.name, role: d.role, isLocal: false, video: null, audio: null, analyser: null, micMuted: false, connectionLost: true });
    }
    for (const [id, entry] of this.analysers) {
      if (!live.has(id)) {
        entry.dispose();
        this.analysers.delete(id);
      }
    }
  }

  private analyserFor(identity: string, track: Track): MuseAnalyserNode {
    const existing = this.analysers.get(identity);
    const sid = track.mediaStreamTrack.id;
    if (existing && existing.trackSid === sid) return existing.analyser;
    existing?.dispose();
    const made = this.engine.analyserFor(track.mediaStreamTrack);
    this.analysers.set(identity, { trackSid: sid, ...made });
    return made.analyser;
  }

  /** A meter on a node of the engine's graph (the duet playback), kept while `key` stays the same. */
  private analyserOn(identity: string, key: string, node: AudioNode): MuseAnalyserNode {
    const existing = this.analysers.get(identity);
    if (existing && existing.trackSid === key) return existing.analyser;
    existing?.dispose();
    const analyser = new MuseAnalyserNode(this.engine.context, this.engine.dsp);
    node.connect(analyser.node);
    this.analysers.set(identity, {
      trackSid: key,
      analyser,
      dispose: () => {
        try {
          node.disconnect(analyser.node);
        } catch {
          // the duet path is already torn down
        }
        analyser.disconnect();
      },
    });
    return analyser;
  }

  private disposeAnalysers(): void {
    for (const m of this.analysers.values()) m.dispose();
    this.analysers.clear();
  }
}

/**
 * A participant's microphone publication: while a re-published microphone's old publication is
 * still listed beside the new one, the newest with a track (publications are kept in arrival order).
 */
export function micPublication(p: Participant): TrackPublication | undefined {
  const mics = [...p.trackPublications.values()].filter((x) => x.source === Track.Source.Microphone);
  return mics.filter((x) => x.track).at(-1) ?? mics.at(-1);
}
