// The messages between bench:load and its load-generator processes (scripts/load/participants.ts).
import type { ContinuityReport } from '../lib/ContinuityMeter';

export interface ParticipantSpec {
  identity: string;
  room: string;
  token: string;
  /** This participant's fundamental, and its partner's. */
  freqHz: number;
  partnerIdentity: string;
  partnerHz: number;
  /** Fundamentals the receiver's pitch check compares (the partner's among them). */
  candidatesHz: number[];
}

export interface PublishSettings {
  /** Channels of the AudioSource (2 = stereo PCM in). */
  channels: number;
  maxBitrate: number;
  dtx: boolean;
  red: boolean;
}

/** What the SDK's WebRTC stats say for one participant over the measured window. */
export interface SdkStats {
  /** Receiving the partner: RTP packets received and lost, samples concealed by the jitter buffer. */
  packetsReceived: number;
  packetsLost: number;
  concealedSamples: number;
  totalSamples: number;
  jitterMs: number;
  /** Sending: bytes sent by the audio RTP stream (kbit/s over the window), and the codec negotiated. */
  sentKbps: number;
  sendCodec: string;
  /** Packets of ours the SFU reports lost (RTCP receiver reports, cumulative). */
  upstreamLost: number;
}

export interface ParticipantResult {
  identity: string;
  continuity: ContinuityReport;
  sdk: SdkStats | null;
  /** How long connect + publish + hearing the partner's first frame took. */
  joinMs: number;
}

export type ToHost =
  | { type: 'join'; url: string; participants: ParticipantSpec[]; publish: PublishSettings }
  | { type: 'measure' }
  | { type: 'report' }
  | { type: 'leave' };

export type FromHost =
  | { type: 'joined' }
  | { type: 'measuring' }
  | { type: 'report'; results: ParticipantResult[] }
  | { type: 'error'; message: string }
  | { type: 'left' };
