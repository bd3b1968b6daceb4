// Clock offsets to the other people in the lesson, measured NTP-style over LiveKit data
// messages: we ping, they stamp receipt and answer, we keep the fastest round trips.
// Everyone answers pings; who pings whom is decided by the caller (the student pings the
// teacher whose clock the shared metronome runs on).
import { type DataPacket_Kind, type RemoteParticipant, type Room, RoomEvent } from 'livekit-client';
import { type ClockSample, estimateOffset, type OffsetEstimate } from '../lib/clockOffset';

const TOPIC = 'muse.clock';
/** Samples kept per peer (the oldest drop out, so a changing route is followed). */
const WINDOW = 40;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Message = { ping: number; t0: number } | { pong: number; t0: number; t1: number; t2: number };

/** This page's clock in ms, comparable across pages of one machine and close to wall time. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class ClockSync {
  /** Their clock minus ours, per identity. */
  estimates = $state<Record<string, OffsetEstimate>>({});
  private samples = new Map<string, ClockSample[]>();
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private target: string | null = null;
  private readonly onData = (payload: Uint8Array, p?: RemoteParticipant, _k?: DataPacket_Kind, topic?: string) => this.receive(payload, p, topic);

  constructor(private readonly room: Room) {
    room.on(RoomEvent.DataReceived, this.onData);
  }

  /** Keeps an offset to `identity` fresh: a quick burst, then a ping every 500 ms (tiny messages). Null stops. */
  follow(identity: string | null): void {
    if (identity === this.target) return;
    this.target = identity;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!identity) return;
    let sent = 0;
    const tick = () => {
      if (this.target !== identity) return;
      void this.ping(identity);
      sent++;
      this.timer = setTimeout(tick, sent < 30 ? 50 : 500);
    };
    tick();
  }

  offsetTo(identity: string): OffsetEstimate | null {
    return this.estimates[identity] ?? null;
  }

  /** Resolves with the offset to `identity` once `minSamples` exchanges came back (or null at the timeout). */
  async ready(identity: string, minSamples = 8, timeoutMs = 5000): Promise<OffsetEstimate | null> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      const e = this.estimates[identity];
      if (e && e.total >= minSamples) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.estimates[identity] ?? null;
  }

  dispose(): void {
    this.follow(null);
    this.room.off(RoomEvent.DataReceived, this.onData);
  }

  private async ping(identity: string): Promise<void> {
    await this.send({ ping: ++this.seq, t0: nowMs() }, identity).catch(() => {});
  }

  private receive(payload: Uint8Array, from: RemoteParticipant | undefined, topic: string | undefined): void {
    if (topic !== TOPIC || !from) return;
    const t = nowMs();
    let msg: Message;
    try {
      msg = JSON.parse(decoder.decode(payload)) as Message;
    } catch {
      return;
    }
    if ('ping' in msg) {
      void this.send({ pong: msg.ping, t0: msg.t0, t1: t, t2: nowMs() }, from.identity).catch(() => {});
    } else if ('pong' in msg) {
      const list = this.samples.get(from.identity) ?? [];
      list.push({ t0: msg.t0, t1: msg.t1, t2: msg.t2, t3: t });
      if (list.length > WINDOW) list.shift();
      this.samples.set(from.identity, list);
      const est = estimateOffset(list);
      if (est) this.estimates = { ...this.estimates, [from.identity]: est };
    }
  }

  private async send(msg: Message, to: string): Promise<void> {
    // Lossy: a late ping is worse than a lost one, and the estimator needs no retries.
    await this.room.localParticipant.publishData(encoder.encode(JSON.stringify(msg)), { reliable: false, topic: TOPIC, destinationIdentities: [to] });
  }
}
