import { participantSidOf, withPtime } from './rtpSdp';

const answer = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:1',
  'a=rtpmap:111 opus/48000/2',
  'a=ptime:20',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:2',
  'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

const section = (sdp: string, mid: string) => sdp.split('\r\nm=').find((s) => s.includes(`\r\na=mid:${mid}\r\n`)) ?? '';

test('withPtime asks for the packet time in the named media sections only, replacing what was there', () => {
  const out = withPtime(answer, ['1'], 10);
  expect(section(out, '1')).toContain('a=ptime:10');
  expect(section(out, '1')).not.toContain('a=ptime:20');
  expect(section(out, '1').match(/a=ptime:/g)).toHaveLength(1);
  expect(section(out, '0')).not.toContain('a=ptime');
  expect(section(out, '2')).not.toContain('a=ptime');
  // Everything else is kept, line for line, with its CRLF endings.
  expect(out.replace('a=mid:1\r\na=ptime:10', 'a=mid:1').replace('a=ptime:20\r\n', '')).toBe(answer.replace('a=ptime:20\r\n', ''));
  expect(out.endsWith('\r\n')).toBe(true);
  expect(out).not.toMatch(/[^\r]\n/);
});

test('withPtime with no mids, or mids not in the SDP, changes nothing; LF-only SDP keeps LF', () => {
  expect(withPtime(answer, [], 10)).toBe(answer);
  expect(withPtime(answer, ['7'], 10)).toBe(answer);
  const lf = answer.replace(/\r\n/g, '\n');
  const out = withPtime(lf, ['0'], 10);
  expect(out).toContain('a=mid:0\na=ptime:10\n');
  expect(out).not.toContain('\r');
});

test("participantSidOf reads the participant from LiveKit's stream id, and nothing from anything else", () => {
  expect(participantSidOf('PA_F3Ke4smnV8Sj|TR_AEMdqSHu4Bj8F')).toBe('PA_F3Ke4smnV8Sj');
  expect(participantSidOf('63f5c5fc-bd7d-4fec-af4b-29ebc1ece0bc')).toBeNull();
  expect(participantSidOf(undefined)).toBeNull();
  expect(participantSidOf('')).toBeNull();
});
