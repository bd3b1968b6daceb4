import { decodePcm16, DUET_HEADER_BYTES, encodePcm16, packDuet, unpackDuet } from './duetPacket';

describe('duet packet', () => {
  test('a header and three payloads come back as packed, byte for byte', () => {
    const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(240).map((_, i) => i)];
    const h = { codec: 'pcm' as const, frame: 120, seq: 0xfffffffe, senderMs: 1_796_512_421_740.25, reportMs: 21.5, poor: true, repeated: 1, askRepeat: true };
    const b = packDuet(h, payloads);
    expect(b.length).toBe(DUET_HEADER_BYTES + 3 * 2 + 3 + 0 + 240);
    const p = unpackDuet(b)!;
    expect(p.header).toEqual(h);
    expect(p.payloads.map((x) => [...x])).toEqual(payloads.map((x) => [...x]));
    // reportMs is a float32: NaN (unknown) survives as NaN; the codec id of Opus too.
    const q = unpackDuet(packDuet({ ...h, codec: 'opus', reportMs: NaN, poor: false, repeated: undefined, askRepeat: undefined }, []))!;
    expect(q.header.codec).toBe('opus');
    expect(q.header.reportMs).toBeNaN();
    expect(q.header.poor).toBe(false);
    // Neither repeats nor the ask said: 0 and false; and never more repeats than payloads.
    expect(q.header.repeated).toBe(0);
    expect(q.header.askRepeat).toBe(false);
    expect(unpackDuet(packDuet({ ...h, repeated: 9 }, payloads))!.header.repeated).toBe(3);
  });

  test('a packet cut short, of another version or too small is not a duet packet', () => {
    const b = packDuet({ codec: 'pcm', frame: 120, seq: 7, senderMs: 0, reportMs: 0, poor: false }, [new Uint8Array(10), new Uint8Array(10)]);
    for (let cut = 0; cut < b.length; cut++) expect(unpackDuet(b.subarray(0, cut))).toBeNull();
    const other = b.slice();
    other[0] = 1;
    expect(unpackDuet(other)).toBeNull();
    // Read at an offset inside a larger buffer (the RTP carrier's 4-byte marker before it).
    const framed = new Uint8Array(4 + b.length);
    framed.set(b, 4);
    expect(unpackDuet(framed.subarray(4))?.payloads.length).toBe(2);
  });
});

describe('16-bit PCM payload', () => {
  test("round trip within 1.5 steps of 16 bits (scaled by 32767 out, 32768 in); full scale clipped, not wrapped", () => {
    const src = new Float32Array([0, 0.5, -0.5, 1, -1, 1.7, -3, 1 / 32768, -0.999]);
    const bytes = new Uint8Array(src.length * 2);
    encodePcm16(src, 0, src.length, bytes);
    const out = new Float32Array(src.length);
    expect(decodePcm16(bytes, out)).toBe(src.length);
    for (let i = 0; i < src.length; i++) expect(Math.abs(out[i] - Math.max(-1, Math.min(1, src[i])))).toBeLessThanOrEqual(1.5 / 32767);
    // Over full scale stays at the top, with the sign kept (a wrap would flip it).
    expect(out[5]).toBeGreaterThan(0.999);
    expect(out[6]).toBeLessThan(-0.999);
    // Little-endian: 0.5 × 32767 = 16384 (rounded) = 0x4000.
    expect([bytes[2], bytes[3]]).toEqual([0x00, 0x40]);
  });

  test('reads from an offset, and never more than the output holds', () => {
    const src = new Float32Array(300).map((_, i) => Math.sin(i / 7) * 0.8);
    const bytes = new Uint8Array(120 * 2);
    encodePcm16(src, 180, 120, bytes);
    const out = new Float32Array(100);
    expect(decodePcm16(bytes, out)).toBe(100);
    expect(out[0]).toBeCloseTo(src[180], 4);
    expect(out[99]).toBeCloseTo(src[279], 4);
    expect(decodePcm16(bytes.subarray(0, 7), new Float32Array(10))).toBe(3);
  });
});
