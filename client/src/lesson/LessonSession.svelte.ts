// One person's side of a lesson call: the LiveKit room, who is in it, their tracks and levels,
// and the connection state shown to the person.
import {
  ConnectionState,
  DisconnectReason,
  type LocalAudioTrack,
  type LocalVideoTrack,
  type Participant,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import type { JoinResponse, Role } from '../../../shared/api';
import type { AudioEngine } from '../audio/engine';
import type { MeterNode } from '../audio/MeterNode';

export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'left' | 'lost' | 'failed';

export interface Peer {
  identity: string;
  name: string;
  role: Role | null;
  isLocal: boolean;
  video: Track | null;
  audio: Track | null;
  meter: MeterNode | null;
  micMuted: boolean;
}

interface MeterEntry {
  trackSid: string;
  meter: MeterNode;
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

  room: Room | null = null;
  private meters = new Map<string, MeterEntry>();
  private joinStarted = 0;

  constructor(private readonly engine: AudioEngine) {}

  async join(grant: JoinResponse, tracks: { audio: LocalAudioTrack | null; video: LocalVideoTrack | null }, speakerId?: string): Promise<void> {
    this.state = 'connecting';
    this.failure = null;
    this.joinStarted = performance.now();
    const room = new Room({
      adaptiveStream: false,
      dynacast: true,
      audioOutput: speakerId ? { deviceId: speakerId } : undefined,
      disconnectOnPageLeave: true,
    });
    this.room = room;
    const refresh = () => this.refresh();
    room
      .on(RoomEvent.ParticipantConnected, refresh)
      .on(RoomEvent.ParticipantDisconnected, refresh)
      .on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind === Track.Kind.Audio && this.joinToRemoteAudioMs === null) {
          this.joinToRemoteAudioMs = performance.now() - this.joinStarted;
        }
        refresh();
      })
      .on(RoomEvent.TrackUnsubscribed, refresh)
      .on(RoomEvent.TrackMuted, refresh)
      .on(RoomEvent.TrackUnmuted, refresh)
      .on(RoomEvent.LocalTrackPublished, refresh)
      .on(RoomEvent.ParticipantAttributesChanged, refresh)
      .on(RoomEvent.ConnectionStateChanged, (s) => this.onConnectionState(s))
      .on(RoomEvent.Disconnected, (reason) => this.onDisconnected(reason));
    try {
      await room.connect(grant.livekitUrl, grant.token);
    } catch (err) {
      this.state = 'failed';
      this.failure = err instanceof Error ? err.message : String(err);
      this.room = null;
      return;
    }
    await this.engine.resume();
    await room.startAudio().catch(() => {});
    if (tracks.audio) await room.localParticipant.publishTrack(tracks.audio, { source: Track.Source.Microphone });
    if (tracks.video) await room.localParticipant.publishTrack(tracks.video, { source: Track.Source.Camera, simulcast: true });
    this.state = 'connected';
    this.refresh();
  }

  async leave(): Promise<void> {
    const room = this.room;
    this.state = 'left';
    await room?.disconnect(false);
    this.disposeMeters();
    this.peers = [];
    this.room = null;
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
    this.disposeMeters();
    this.peers = [];
  }

  /** Rebuilds the peer list from the room; meters follow the audio tracks. */
  private refresh(): void {
    const room = this.room;
    if (!room) return;
    const all: Participant[] = [room.localParticipant, ...room.remoteParticipants.values()];
    const live = new Set<string>();
    this.peers = all.map((p) => {
      const audio = p.getTrackPublication(Track.Source.Microphone)?.track ?? null;
      const video = p.getTrackPublication(Track.Source.Camera)?.track ?? null;
      let meter: MeterNode | null = null;
      if (audio?.mediaStreamTrack) {
        live.add(p.identity);
        meter = this.meterFor(p.identity, audio);
      }
      const role = p.attributes.role;
      return {
        identity: p.identity,
        name: p.name || p.identity,
        role: role === 'teacher' || role === 'student' ? role : null,
        isLocal: p === room.localParticipant,
        video: video && !video.isMuted ? video : null,
        audio,
        meter,
        micMuted: audio ? audio.isMuted : true,
      };
    });
    for (const [id, entry] of this.meters) {
      if (!live.has(id)) {
        entry.dispose();
        this.meters.delete(id);
      }
    }
  }

  private meterFor(identity: string, track: Track): MeterNode {
    const existing = this.meters.get(identity);
    const sid = track.mediaStreamTrack.id;
    if (existing && existing.trackSid === sid) return existing.meter;
    existing?.dispose();
    const made = this.engine.meterFor(track.mediaStreamTrack);
    this.meters.set(identity, { trackSid: sid, ...made });
    return made.meter;
  }

  private disposeMeters(): void {
    for (const m of this.meters.values()) m.dispose();
    this.meters.clear();
  }
}
