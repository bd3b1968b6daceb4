// The latency probe over two plain RTCPeerConnections in one page, without the SFU: the
// baseline that bench:latency compares the lesson path with.
import type { AudioEngine } from './engine';
import { median, oneWayLatenciesMs, percentile, ProbeNode } from './ProbeNode';

export interface DirectProbeOptions {
  clicks: number;
  /** Music settings in the SDP: stereo, 256 kbps, no DTX. Otherwise Opus defaults. */
  music: boolean;
  /** Ask for 10 ms Opus frames (a=ptime:10) instead of 20 ms. */
  ptime10: boolean;
}

function munge(sdp: string, o: DirectProbeOptions): string {
  const pt = /a=rtpmap:(\d+) opus\/48000/i.exec(sdp)?.[1];
  if (!pt) return sdp;
  let out = sdp;
  if (o.music) {
    out = out.replace(new RegExp(`a=fmtp:${pt} (.*)`), (_m, p: string) => `a=fmtp:${pt} ${p.replace(/;?usedtx=1/, '')};stereo=1;sprop-stereo=1;maxaveragebitrate=256000;usedtx=0`);
  }
  if (o.ptime10) out = out.replace(/(m=audio[^\r\n]*\r\n)/, '$1a=ptime:10\r\n');
  return out;
}

export async function directProbe(engine: AudioEngine, o: DirectProbeOptions): Promise<{ medianMs: number; p95Ms: number; samples: number[] }> {
  const ctx = engine.context;
  await engine.resume();
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const destA = ctx.createMediaStreamDestination();
  const destB = ctx.createMediaStreamDestination();
  a.addTrack(destA.stream.getAudioTracks()[0], destA.stream);
  b.addTrack(destB.stream.getAudioTracks()[0], destB.stream);
  const fromA = new Promise<MediaStreamTrack>((r) => (b.ontrack = (e) => r(e.track)));
  const fromB = new Promise<MediaStreamTrack>((r) => (a.ontrack = (e) => r(e.track)));
  const offer = await a.createOffer();
  await a.setLocalDescription({ type: 'offer', sdp: munge(offer.sdp!, o) });
  await b.setRemoteDescription({ type: 'offer', sdp: munge(offer.sdp!, o) });
  const answer = await b.createAnswer();
  await b.setLocalDescription({ type: 'answer', sdp: munge(answer.sdp!, o) });
  await a.setRemoteDescription({ type: 'answer', sdp: munge(answer.sdp!, o) });
  const [trackA, trackB] = await Promise.all([fromA, fromB]);
  // Remote audio flows into Web Audio only while a media element consumes it.
  const sinks = [trackA, trackB].map((t) => {
    const el = new Audio();
    el.muted = true;
    el.srcObject = new MediaStream([t]);
    void el.play().catch(() => {});
    return el;
  });
  const responder = new ProbeNode(ctx, engine.dsp, 'responder');
  const initiator = new ProbeNode(ctx, engine.dsp, 'initiator');
  ctx.createMediaStreamSource(new MediaStream([trackA])).connect(responder.node).connect(destB);
  ctx.createMediaStreamSource(new MediaStream([trackB])).connect(initiator.node).connect(destA);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, (o.clicks + 3) * 1000);
    initiator.onevent = () => {
      if (initiator.events.length >= o.clicks) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  const ms = oneWayLatenciesMs(initiator.events);
  initiator.stop();
  responder.stop();
  for (const s of sinks) s.srcObject = null;
  a.close();
  b.close();
  return { medianMs: median(ms), p95Ms: percentile(ms, 95), samples: ms };
}

/**
 * What routing the microphone through Web Audio on its way to the encoder costs (a boosted
 * microphone goes through the limiter this way): probe clicks go out through a
 * MediaStreamDestination (with or without the limiter) and come straight back in through a
 * MediaStreamSource, and the answer returns directly, so the round trip minus the answer's own
 * delay is the hop.
 */
export async function publishHopProbe(engine: AudioEngine, o: { clicks: number; limiter: boolean }): Promise<{ medianMs: number; p95Ms: number; samples: number[] }> {
  const { LimiterNode } = await import('./LimiterNode');
  const ctx = engine.context;
  await engine.resume();
  const initiator = new ProbeNode(ctx, engine.dsp, 'initiator');
  const responder = new ProbeNode(ctx, engine.dsp, 'responder');
  const limiter = o.limiter ? new LimiterNode(ctx, engine.dsp) : null;
  let from: AudioNode = initiator.node;
  if (limiter) from = from.connect(limiter.node);
  const dest = ctx.createMediaStreamDestination();
  from.connect(dest);
  ctx.createMediaStreamSource(dest.stream).connect(responder.node);
  // The answer comes straight back in the same render quantum: the graph has no cycle only because the MediaStream hop
  // breaks it (Chromium mutes a cycle of worklet nodes even with a DelayNode in it), so there is no hop-free variant.
  responder.node.connect(initiator.node);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, (o.clicks + 3) * 1000);
    initiator.onevent = () => {
      if (initiator.events.length >= o.clicks) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  // oneWayLatenciesMs halves the round trip; here only the way out has the hop.
  const ms = oneWayLatenciesMs(initiator.events).map((x) => 2 * x);
  initiator.stop();
  responder.stop();
  limiter?.disconnect();
  return { medianMs: median(ms), p95Ms: percentile(ms, 95), samples: ms };
}
