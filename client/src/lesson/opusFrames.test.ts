import { withAudioPtime } from './opusFrames';

const answer = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendonly', 'a=rtpmap:111 opus/48000/2', 'a=ptime:20',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=recvonly', 'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

const section = (sdp: string, mid: string) => sdp.split(/(?=^m=)/m).find((s) => s.includes(`a=mid:${mid}\r\n`))!;

test('adds a=ptime at the end of the audio sections we send on, and only there', () => {
  const out = withAudioPtime(answer, 10, new Set(['0', '2']));
  expect(section(out, '0').endsWith('a=fmtp:111 minptime=10;useinbandfec=1\r\na=ptime:10\r\n')).toBe(true);
  expect(section(out, '1')).toBe(section(answer, '1')); // not ours: left alone, its ptime too
  expect(section(out, '2')).toBe(section(answer, '2')); // video: never
  expect(out.split(/(?=^m=)/m)[0]).toBe(answer.split(/(?=^m=)/m)[0]); // session part untouched
});

test('replaces an existing ptime rather than adding a second one', () => {
  const out = withAudioPtime(answer, 10, new Set(['1']));
  expect(section(out, '1').match(/a=ptime:\d+/g)).toEqual(['a=ptime:10']);
});

test('leaves the answer as it was when we send no audio', () => {
  expect(withAudioPtime(answer, 10, new Set())).toBe(answer);
});
