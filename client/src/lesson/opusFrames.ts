// Opus frame length of what this browser publishes. libwebrtc takes the encoder's frame length
// from the `a=ptime` of the remote answer, and livekit-client has no option for it, so in music
// mode we add `a=ptime:10` to the SFU's answer, on the sections of the tracks we send: 10 ms
// packets instead of 20 ms halve the packetisation delay and let the receiver's jitter buffer run
// one frame shallower (bench:latency measures the difference). Speech keeps Opus's 20 ms default.

/** The answer's audio m-sections whose mid is in `mids`, with `a=ptime:ms` added (or replaced); the rest untouched. */
export function withAudioPtime(sdp: string, ms: number, mids: ReadonlySet<string>): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(/(?=^m=)/m)
    .map((section) => {
      const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
      if (!section.startsWith('m=audio') || mid === undefined || !mids.has(mid)) return section;
      // Attribute lines come last in a media section (RFC 8866 order), so the new one goes at its end.
      const lines = section.split(eol).filter((l) => l !== '' && !l.startsWith('a=ptime:'));
      return [...lines, `a=ptime:${ms}`, ''].join(eol);
    })
    .join('');
}

/** Mids of the audio transceivers this connection sends on. */
function sendingAudioMids(pc: RTCPeerConnection): Set<string> {
  const mids = new Set<string>();
  for (const t of pc.getTransceivers()) {
    if (t.mid !== null && t.sender.track?.kind === 'audio' && (t.direction === 'sendonly' || t.direction === 'sendrecv')) mids.add(t.mid);
  }
  return mids;
}

let wantedPtime: number | null = null;
let installed = false;

/**
 * Sets the frame length (ms) asked of the SFU path from the next negotiation on, or null for the
 * codec default. Takes effect when a microphone is next published (music mode re-publishes it).
 */
export function setPublishPtime(ms: number | null): void {
  wantedPtime = ms;
  if (ms === null || installed || typeof RTCPeerConnection === 'undefined') return;
  installed = true;
  const native = RTCPeerConnection.prototype.setRemoteDescription;
  // One narrow wrapper: only answers, only the sections we send audio on, only while a ptime is wanted.
  RTCPeerConnection.prototype.setRemoteDescription = function (this: RTCPeerConnection, desc?: RTCSessionDescriptionInit, ...rest: unknown[]) {
    if (wantedPtime !== null && desc?.type === 'answer' && desc.sdp) desc = { type: 'answer', sdp: withAudioPtime(desc.sdp, wantedPtime, sendingAudioMids(this)) };
    return (native as (this: RTCPeerConnection, ...a: unknown[]) => Promise<void>).call(this, desc, ...rest);
  } as typeof native;
}
