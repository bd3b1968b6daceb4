import { duetInboundMs } from './duetLatency';

describe('duetInboundMs', () => {
  test('is the fastest frame plus the buffer over it plus the output, not the median transit plus the buffer', () => {
    // 400 frames spread evenly over 10–30 ms: fastest 10, median 20. The buffer holds 22 ms over the fastest.
    const transits = Array.from({ length: 400 }, (_, i) => 10 + (20 * i) / 399);
    const ms = duetInboundMs(transits, 22, 5)!;
    expect(ms).toBeGreaterThan(37);
    expect(ms).toBeLessThan(37.5);
  });

  test('one frame stamped early (a clock correction) does not pull the figure down', () => {
    const transits = [...Array.from({ length: 199 }, () => 15), -40];
    expect(duetInboundMs(transits, 10, 0)).toBe(25);
  });

  test('waits for five frames and a buffer reading', () => {
    expect(duetInboundMs([1, 2, 3, 4], 10, 0)).toBeNull();
    expect(duetInboundMs([1, 2, 3, 4, 5], NaN, 0)).toBeNull();
    expect(duetInboundMs([1, 2, 3, 4, 5], 10, -3)).toBe(11);
  });
});
