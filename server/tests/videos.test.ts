// Preview videos: tus upload with metadata, HLS bundles unpacked and served with their content types and caching,
// the original served with Range, who may watch (assigned 200, unassigned student 403, other studio 404), refused
// uploads leaving nothing behind, and the watching log.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Lesson, VideoInfo, VideoList, VideoWatch } from '../../shared/api';
import { encodeBundle } from '../../shared/videoBundle';
import { acceptInvite, addStudent, makeEnv, signupTeacher, type Agent, type Person, type TestEnv } from './helpers';

let t: TestEnv;
let A: Person, A1: Person, A2: Person, B: Person, B1: Person;
let lessonA: Lesson;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const header = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');
let seq = 0;

function videoMeta(over: Record<string, string> = {}): Record<string, string> {
  return { purpose: 'video', title: 'Bach A minor, 1st mvt', piece: 'BWV 1041', notes: 'Watch the bow distribution in bar 12.', audience: 'student', target: A1.me.id, format: 'file', filetype: 'video/mp4', durationMs: '12000', clientId: `vid-${++seq}-${randomBytes(4).toString('hex')}`, ...over };
}

function create(agent: Agent, length: number, meta: Record<string, string>) {
  return agent.post('/api/uploads').set('Tus-Resumable', '1.0.0').set('Upload-Length', String(length)).set('Upload-Metadata', header(meta));
}
function patch(agent: Agent, location: string, offset: number, body: Buffer) {
  return agent.patch(location).set('Tus-Resumable', '1.0.0').set('Upload-Offset', String(offset)).set('Content-Type', 'application/offset+octet-stream').send(body);
}

/** Creates an upload and sends it in two PATCHes (the second at the offset HEAD reports); the final response. */
async function upload(agent: Agent, body: Buffer, meta: Record<string, string>) {
  const created = await create(agent, body.length, meta);
  expect(created.status).toBe(201);
  const location = created.headers.location as string;
  const half = Math.floor(body.length / 2);
  expect((await patch(agent, location, 0, body.subarray(0, half))).status).toBe(204);
  const head = await agent.head(location).set('Tus-Resumable', '1.0.0');
  expect(head.headers['upload-offset']).toBe(String(half));
  return patch(agent, location, half, body.subarray(half));
}

/** Starts like an MP4 (a ftyp box), then random bytes. */
function fakeMp4(size: number): Buffer {
  const b = randomBytes(size);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'latin1');
  return b;
}

/** n MPEG-TS packets: sync byte 0x47 every 188 bytes. */
function fakeTs(packets: number): Buffer {
  const b = randomBytes(packets * 188);
  for (let i = 0; i < b.length; i += 188) b[i] = 0x47;
  return b;
}

function playlist(segs: [string, number][]): string {
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD', ...segs.flatMap(([n, d]) => [`#EXTINF:${d.toFixed(6)},`, n]), '#EXT-X-ENDLIST', ''].join('\n');
}

async function bundle(files: { name: string; data: Uint8Array }[]): Promise<Buffer> {
  return Buffer.from(await encodeBundle(files).arrayBuffer());
}

const rows = () => (t.app.locals.db.prepare('SELECT COUNT(*) AS n FROM videos').get() as { n: number }).n;
const videoEntries = () => (existsSync(path.join(t.dir, 'videos')) ? readdirSync(path.join(t.dir, 'videos')).sort() : []);
const uploadEntries = () => (existsSync(path.join(t.dir, 'uploads')) ? readdirSync(path.join(t.dir, 'uploads')) : []);

beforeAll(async () => {
  t = makeEnv({ MUSE_LOGIN_MAX_ATTEMPTS: '50', MUSE_VIDEO_MAX_MB: '1' });
  A = await signupTeacher(t, 'Asia/Seoul', 'Teacher A');
  B = await signupTeacher(t, 'Europe/Berlin', 'Teacher B');
  const a1 = await addStudent(t, A, 'Asia/Dubai', 'A1');
  const a2 = await addStudent(t, A, 'Asia/Dubai', 'A2');
  const b1 = await addStudent(t, B, 'Asia/Seoul', 'B1');
  A1 = await acceptInvite(t, a1.token);
  A2 = await acceptInvite(t, a2.token);
  B1 = await acceptInvite(t, b1.token);
  lessonA = (await A.agent.post('/api/lessons').send({ title: 'Lesson A', start: '2026-03-02T19:00', durationMinutes: 60, studentIds: [a1.student.id], recurrence: { kind: 'weekly' } })).body as Lesson;
});
afterAll(() => t.close());

describe('the original file (codecs that cannot be segmented)', () => {
  const body = fakeMp4(300_000);
  let video: VideoInfo;

  test('a resumable upload is stored with its metadata and hash', async () => {
    const done = await upload(A.agent, body, videoMeta());
    expect(done.status).toBe(204);
    const id = done.headers['muse-video-id'] as string;
    expect(id).toMatch(/^v[0-9a-f]{20}$/);
    const list = (await A.agent.get('/api/videos')).body as VideoList;
    video = list.videos.find((v) => v.id === id)!;
    expect(video).toMatchObject({ title: 'Bach A minor, 1st mvt', piece: 'BWV 1041', notes: 'Watch the bow distribution in bar 12.', audience: 'student', targetId: A1.me.id, targetName: 'A1', format: 'file', mime: 'video/mp4', size: body.length, durationMs: 12000, segments: 0, url: `/api/videos/${id}/file` });
    const stored = readFileSync(path.join(t.dir, 'videos', id, 'original.mp4'));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    const row = t.app.locals.db.prepare('SELECT sha256 FROM videos WHERE id = ?').get(id) as { sha256: string };
    expect(row.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(uploadEntries()).toEqual([]);
  });

  test.each([
    ['bytes=1000-2999', 1000, 2999],
    ['bytes=299500-', 299_500, 299_999],
    ['bytes=-700', 299_300, 299_999],
  ])('Range %s → 206 with exactly those bytes', async (range, from, to) => {
    const res = await A1.agent.get(video.url).set('Range', range).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${from}-${to}/${body.length}`);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(res.body as Buffer, body.subarray(from, to + 1))).toBe(0);
  });

  test.each([
    ['anonymous', 401, () => null],
    ['its teacher', 200, () => A],
    ['the assigned student', 200, () => A1],
    ['an unassigned student of the studio', 403, () => A2],
    ['a teacher of another studio', 404, () => B],
    ["another studio's student", 404, () => B1],
  ] as [string, number, () => Person | null][])('%s → %d', async (_who, status, person) => {
    const agent = person()?.agent ?? request.agent(t.app);
    expect((await agent.get(video.url).set('Range', 'bytes=0-99')).status).toBe(status === 200 ? 206 : status);
    expect((await agent.get(`/api/videos/${video.id}`)).status).toBe(status);
  });

  test('the lists: the assigned student sees it, the others do not', async () => {
    const ids = async (p: Person) => ((await p.agent.get('/api/videos')).body as VideoList).videos.map((v) => v.id);
    expect(await ids(A1)).toContain(video.id);
    expect(await ids(A2)).not.toContain(video.id);
    expect(await ids(B)).not.toContain(video.id);
  });
});

describe('a packaged HLS stream', () => {
  const segs = [fakeTs(40), fakeTs(35), fakeTs(12)];
  let video: VideoInfo;

  test('is unpacked, counted and served with HLS content types and caching', async () => {
    const text = playlist([['seg000.ts', 4.004], ['seg001.ts', 4.0], ['seg002.ts', 1.5]]);
    const body = await bundle([{ name: 'index.m3u8', data: Buffer.from(text) }, ...segs.map((data, i) => ({ name: `seg00${i}.ts`, data }))]);
    const done = await upload(A.agent, body, videoMeta({ audience: 'studio', target: '', format: 'hls-ts', filetype: 'application/x-muse-hls-bundle' }));
    expect(done.status).toBe(204);
    video = (await A2.agent.get(`/api/videos/${done.headers['muse-video-id'] as string}`)).body as VideoInfo;
    expect(video).toMatchObject({ format: 'hls-ts', mime: 'video/mp2t', segments: 3, durationMs: 9504, audience: 'studio', size: body.length });
    expect(video.url).toBe(`/api/videos/${video.id}/hls/index.m3u8`);

    const pl = await A2.agent.get(video.url);
    expect(pl.status).toBe(200);
    expect(pl.headers['content-type']).toMatch(/^application\/vnd\.apple\.mpegurl/);
    expect(pl.headers['cache-control']).toBe('private, max-age=10');
    expect(pl.text).toBe(text);
    for (let i = 0; i < segs.length; i++) {
      const s = await A2.agent.get(`/api/videos/${video.id}/hls/seg00${i}.ts`).buffer(true).parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
      });
      expect(s.status).toBe(200);
      expect(s.headers['content-type']).toBe('video/mp2t');
      expect(s.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      expect(Buffer.compare(s.body as Buffer, segs[i])).toBe(0);
    }
    expect((await A2.agent.get(`/api/videos/${video.id}/hls/seg009.ts`)).status).toBe(404);
    expect((await A2.agent.get(`/api/videos/${video.id}/hls/..%2Fx`)).status).toBe(404);
    expect((await B.agent.get(video.url)).status).toBe(404);
    expect((await B1.agent.get(`/api/videos/${video.id}/hls/seg000.ts`)).status).toBe(404);
  });

  test('a lesson video: the lesson\'s student may watch, the other student 403', async () => {
    const body = await bundle([{ name: 'index.m3u8', data: Buffer.from(playlist([['seg000.ts', 3]])) }, { name: 'seg000.ts', data: fakeTs(10) }]);
    const done = await upload(A.agent, body, videoMeta({ audience: 'lesson', target: lessonA.id, format: 'hls-ts', filetype: 'application/x-muse-hls-bundle' }));
    expect(done.status).toBe(204);
    const url = `/api/videos/${done.headers['muse-video-id'] as string}/hls/index.m3u8`;
    expect((await A1.agent.get(url)).status).toBe(200);
    expect((await A2.agent.get(url)).status).toBe(403);
    expect(((await A.agent.get(`/api/videos/${done.headers['muse-video-id'] as string}`)).body as VideoInfo).targetName).toBe('Lesson A');
  });
});

describe('refused uploads leave nothing behind', () => {
  async function refused(body: Buffer, meta: Record<string, string>): Promise<{ status: number; error: { code: string; message: string } }> {
    const before = { rows: rows(), videos: videoEntries() };
    const res = await upload(A.agent, body, meta);
    expect({ rows: rows(), videos: videoEntries(), uploads: uploadEntries() }).toEqual({ ...before, uploads: [] });
    return { status: res.status, error: (JSON.parse(res.text) as { error: { code: string; message: string } }).error };
  }

  test('random bytes called an MP4 → 415 naming the type', async () => {
    const r = await refused(randomBytes(5000), videoMeta());
    expect(r.status).toBe(415);
    expect(r.error.message).toMatch(/not an MP4 video\. Upload an mp4, webm or mov file/);
  });

  test('a WebM without the webm DocType → 415', async () => {
    const b = randomBytes(5000);
    b.writeUInt32BE(0x1a45dfa3, 0);
    b.fill(0, 4, 64);
    expect((await refused(b, videoMeta({ filetype: 'video/webm' }))).status).toBe(415);
  });

  test('a bundle whose segment is not MPEG-TS → 415 naming the segment', async () => {
    const bad = fakeTs(20);
    bad[188 * 7] = 0x00;
    const body = await bundle([{ name: 'index.m3u8', data: Buffer.from(playlist([['seg000.ts', 4], ['seg001.ts', 2]])) }, { name: 'seg000.ts', data: fakeTs(20) }, { name: 'seg001.ts', data: bad }]);
    const r = await refused(body, videoMeta({ format: 'hls-ts', filetype: 'application/x-muse-hls-bundle' }));
    expect(r.status).toBe(415);
    expect(r.error.message).toMatch(/seg001\.ts is not MPEG-TS/);
  });

  test('a playlist naming a file that is not in the bundle → 415', async () => {
    const body = await bundle([{ name: 'index.m3u8', data: Buffer.from(playlist([['seg000.ts', 4], ['seg001.ts', 2]])) }, { name: 'seg000.ts', data: fakeTs(20) }]);
    const r = await refused(body, videoMeta({ format: 'hls-ts', filetype: 'application/x-muse-hls-bundle' }));
    expect(r.status).toBe(415);
    expect(r.error.message).toMatch(/"seg001\.ts", which is not one of the uploaded segments/);
  });

  test('a truncated bundle → 415', async () => {
    const body = await bundle([{ name: 'index.m3u8', data: Buffer.from(playlist([['seg000.ts', 4]])) }, { name: 'seg000.ts', data: fakeTs(20) }]);
    const r = await refused(body.subarray(0, body.length - 188), videoMeta({ format: 'hls-ts', filetype: 'application/x-muse-hls-bundle' }));
    expect(r.status).toBe(415);
    expect(r.error.message).toMatch(/incomplete/);
  });

  test('an unsupported type is refused before any byte is sent (415)', async () => {
    const res = await create(A.agent, 1000, videoMeta({ filetype: 'video/x-msvideo' }));
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text).error.message).toMatch(/video\/x-msvideo cannot be used as a preview video/);
    expect(uploadEntries()).toEqual([]);
  });

  test('over MUSE_VIDEO_MAX_MB → 413; a student → 403; another studio\'s student as target → 404; no title → 400', async () => {
    expect((await create(A.agent, 2 * 1048576, videoMeta())).status).toBe(413);
    expect((await create(A1.agent, 1000, videoMeta())).status).toBe(403);
    expect((await create(A.agent, 1000, videoMeta({ target: B1.me.id }))).status).toBe(404);
    const noTitle = await create(A.agent, 1000, videoMeta({ title: ' ' }));
    expect(noTitle.status).toBe(400);
    expect(JSON.parse(noTitle.text).error.fields).toHaveProperty('title');
    expect(uploadEntries()).toEqual([]);
  });
});

describe('watching is logged with the practice log', () => {
  test('the assigned student logs a stretch; the teacher reads it; others cannot', async () => {
    const video = ((await A1.agent.get('/api/videos')).body as VideoList).videos.find((v) => v.format === 'file')!;
    const sent = await A1.agent.post(`/api/videos/${video.id}/watches`).send({ startedAt: '2026-03-01T09:00:00Z', seconds: 42.26 });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ videoId: video.id, videoTitle: video.title, seconds: 42.3 });
    expect((await A2.agent.post(`/api/videos/${video.id}/watches`).send({ startedAt: '2026-03-01T09:00:00Z', seconds: 10 })).status).toBe(403);
    expect((await A.agent.post(`/api/videos/${video.id}/watches`).send({ startedAt: '2026-03-01T09:00:00Z', seconds: 10 })).status).toBe(403);
    expect((await A1.agent.post(`/api/videos/${video.id}/watches`).send({ startedAt: 'yesterday', seconds: 10 })).status).toBe(400);
    const own = (await A1.agent.get('/api/practice/videos')).body as VideoWatch[];
    const theirs = (await A.agent.get('/api/practice/videos').query({ studentId: A1.me.id })).body as VideoWatch[];
    expect(own.map((w) => [w.videoId, w.seconds])).toEqual([[video.id, 42.3]]);
    expect(theirs).toEqual(own);
    expect((await B.agent.get('/api/practice/videos').query({ studentId: A1.me.id })).status).toBe(404);
  });

  test('deleting a video removes its row, folder and watching log; students may not', async () => {
    const video = ((await A.agent.get('/api/videos')).body as VideoList).videos.find((v) => v.format === 'file')!;
    expect((await A1.agent.delete(`/api/videos/${video.id}`).send({})).status).toBe(403);
    expect((await B.agent.delete(`/api/videos/${video.id}`).send({})).status).toBe(404);
    expect((await A.agent.delete(`/api/videos/${video.id}`).send({})).status).toBe(204);
    expect(existsSync(path.join(t.dir, 'videos', video.id))).toBe(false);
    expect((await A1.agent.get('/api/practice/videos')).body).toEqual([]);
  });
});
