// SDP and stream-id helpers for duet frames in RTP (duetRtp.ts); plain functions, tested in Node.

/** `sdp` with `a=ptime:<ms>` in the media sections whose mid is in `mids` (replacing any there). */
export function withPtime(sdp: string, mids: readonly string[], ms: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const parts = sdp.split(`${eol}m=`);
  return parts
    .map((part, i) => {
      if (i === 0) return part;
      const lines = part.split(eol);
      const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6);
      if (mid === undefined || !mids.includes(mid)) return part;
      const kept = lines.filter((l) => !l.startsWith('a=ptime:'));
      const at = kept.findIndex((l) => l.startsWith('a=mid:'));
      kept.splice(at + 1, 0, `a=ptime:${ms}`);
      return kept.join(eol);
    })
    .join(`${eol}m=`);
}

/** The participant SID in the stream id LiveKit's SFU gives a forwarded track (`<participant SID>|<track SID>`). */
export function participantSidOf(streamId: string | undefined): string | null {
  const sid = streamId?.split('|')[0];
  return sid?.startsWith('PA_') ? sid : null;
}
