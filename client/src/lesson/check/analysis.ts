// The music-safety check's verdict: what came back through the SFU compared with what was sent.
// Pure functions over sample arrays, so they are tested in Node.
import { powerSpectrumDb, rmsDb, toneDb } from '../../lib/signal';
import { violin } from '../../lib/testSignals';

export const CHECK_RATE = 48000;

/** Where each part of the test programme starts and ends, seconds. */
export const PROGRAMME = {
  sustain: [0, 2.0],
  pianissimo: [2.0, 3.0],
  rest: [3.0, 3.6],
  reentry: [3.6, 4.6],
  end: 5.0,
} as const;
export const LOUD_DB = -18;
export const SOFT_DB = -45;

/** The test programme, stereo: A4 left, E5 right; soft passage; a rest; C5 in both channels. */
export function checkProgramme(rate = CHECK_RATE): { left: Float32Array; right: Float32Array } {
  const n = Math.round(PROGRAMME.end * rate);
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  const lin = (db: number) => 10 ** (db / 20);
  const put = (x: Float32Array, into: Float32Array, at: number) => into.set(x, Math.round(at * rate));
  const [s0, s1] = PROGRAMME.sustain;
  const [p0, p1] = PROGRAMME.pianissimo;
  put(violin(440, s1 - s0, lin(LOUD_DB), 1, rate), left, s0);
  put(violin(659.26, s1 - s0, lin(LOUD_DB), 2, rate), right, s0);
  put(violin(440, p1 - p0, lin(SOFT_DB), 3, rate), left, p0);
  put(violin(659.26, p1 - p0, lin(SOFT_DB), 4, rate), right, p0);
  const [r0, r1] = PROGRAMME.reentry;
  const c5 = violin(523.25, r1 - r0, lin(LOUD_DB), 5, rate);
  put(c5, left, r0);
  put(c5, right, r0);
  return { left, right };
}

export type CheckKey = 'latency' | 'pumping' | 'pianissimo' | 'gating' | 'stereo' | 'bandwidth';

export interface CheckItem {
  key: CheckKey;
  ok: boolean;
  /** The figure measured, in the unit the message uses. */
  value: number;
}

export interface CheckResult {
  safe: boolean;
  items: CheckItem[];
}

/**
 * `received` was recorded on the same audio clock as the programme was played: the programme's
 * first sample left at frame `sentFrame`, the recording's first sample is frame `recordedFrame`.
 */
export function analyseCheck(
  sent: { left: Float32Array; right: Float32Array },
  received: { left: Float32Array; right: Float32Array },
  sentFrame: number,
  recordedFrame: number,
  rate = CHECK_RATE,
): CheckResult {
  const mono = received.left.map((v, i) => (v + received.right[i]) / 2);
  // Arrival: first sample above −40 dBFS after the programme started.
  const from = Math.max(0, sentFrame - recordedFrame);
  let arrival = -1;
  for (let i = from; i < mono.length; i++) {
    if (Math.abs(mono[i]) > 0.01) {
      arrival = i;
      break;
    }
  }
  if (arrival < 0) return { safe: false, items: [{ key: 'latency', ok: false, value: NaN }] };
  // The programme starts with an 80 ms attack: its first sample above −40 dBFS is this late.
  const sentMono = sent.left.map((v, i) => (v + sent.right[i]) / 2);
  let sentFirst = 0;
  while (sentFirst < sentMono.length && Math.abs(sentMono[sentFirst]) <= 0.01) sentFirst++;
  const offset = arrival - sentFirst; // received index of programme sample 0
  const latencyMs = ((arrival + recordedFrame - (sentFrame + sentFirst)) / rate) * 1000;
  const at = (sec: number) => offset + Math.round(sec * rate);
  const seg = (x: Float32Array, a: number, b: number) => x.subarray(Math.max(0, at(a)), Math.max(0, at(b)));

  // Pumping or ducking: 100 ms levels of the sustained note after its attack.
  const levels: number[] = [];
  for (let t = 0.4; t + 0.1 <= PROGRAMME.sustain[1] - 0.05; t += 0.1) levels.push(rmsDb(mono, at(t), at(t + 0.1)));
  const pumpingDb = Math.max(...levels) - Math.min(...levels);
  // Pianissimo: the soft passage should arrive 27 dB under the loud one, not pushed up or gated away.
  const loud = rmsDb(mono, at(0.5), at(1.9));
  const soft = rmsDb(mono, at(PROGRAMME.pianissimo[0] + 0.2), at(PROGRAMME.pianissimo[1] - 0.05));
  const pianissimoErrDb = soft - loud - (SOFT_DB - LOUD_DB);
  // Gating: the first 60 ms of the note after the rest, against the rest of that note. The receiver's jitter buffer
  // may have grown or shrunk its delay during the rest, so the note is found again by its end (a gate cuts onsets,
  // never the end of a note): the last sample above −40 dBFS near where the note should end.
  const [r0, r1] = PROGRAMME.reentry;
  const lastAbove = (x: Float32Array, a: number, b: number) => {
    for (let i = Math.min(b, x.length) - 1; i >= Math.max(0, a); i--) if (Math.abs(x[i]) > 0.01) return i;
    return -1;
  };
  const sentEnd = lastAbove(sentMono, Math.round((r1 - 0.3) * rate), Math.round((PROGRAMME.end - 0.05) * rate));
  const rxEnd = lastAbove(mono, at(r1 - 0.3), at(PROGRAMME.end - 0.05));
  const maxShift = Math.round(0.25 * rate);
  const shift = sentEnd >= 0 && rxEnd >= 0 ? Math.max(-maxShift, Math.min(maxShift, rxEnd - (offset + sentEnd))) : 0;
  const atNote = (sec: number) => at(sec) + shift;
  const onsetDb = rmsDb(mono, atNote(r0 + 0.08), atNote(r0 + 0.14)) - rmsDb(mono, atNote(r0 + 0.3), atNote(r1 - 0.1));
  const sentOnsetDb = rmsDb(sentMono, Math.round((r0 + 0.08) * rate), Math.round((r0 + 0.14) * rate)) - rmsDb(sentMono, Math.round((r0 + 0.3) * rate), Math.round((r1 - 0.1) * rate));
  const gatingDb = onsetDb - sentOnsetDb;
  // Stereo: A4 must stay left and E5 right.
  const l = seg(received.left, 0.5, 1.9);
  const r = seg(received.right, 0.5, 1.9);
  const separationDb = Math.min(toneDb(l, 440, rate) - toneDb(l, 659.26, rate), toneDb(r, 659.26, rate) - toneDb(r, 440, rate));
  // Bandwidth: highest 1/3-octave band within 30 dB of what was sent.
  const size = 8192;
  const tx = powerSpectrumDb(sentMono.subarray(Math.round(0.5 * rate), Math.round(1.9 * rate)), size);
  const rx = powerSpectrumDb(seg(mono, 0.5, 1.9), size);
  const gain = loud - rmsDb(sentMono, Math.round(0.5 * rate), Math.round(1.9 * rate));
  let bandwidthHz = 0;
  for (let fc = 1000; fc < 22000; fc *= 2 ** (1 / 3)) {
    const lo = Math.floor(((fc / 2 ** (1 / 6)) / rate) * size);
    const hi = Math.min(size / 2 - 1, Math.ceil(((fc * 2 ** (1 / 6)) / rate) * size));
    let a = 0;
    let b = 0;
    for (let k = lo; k <= hi; k++) {
      a += 10 ** (tx[k] / 10);
      b += 10 ** (rx[k] / 10);
    }
    if (10 * Math.log10(b + 1e-20) - gain >= 10 * Math.log10(a + 1e-20) - 30) bandwidthHz = fc;
  }
  const items: CheckItem[] = [
    { key: 'latency', ok: latencyMs < 150, value: latencyMs },
    { key: 'pumping', ok: pumpingDb <= 1.5, value: pumpingDb },
    { key: 'pianissimo', ok: Math.abs(pianissimoErrDb) <= 3, value: pianissimoErrDb },
    { key: 'gating', ok: gatingDb >= -3, value: gatingDb },
    { key: 'stereo', ok: separationDb >= 10, value: separationDb },
    { key: 'bandwidth', ok: bandwidthHz >= 15000, value: bandwidthHz },
  ];
  return { safe: items.every((i) => i.ok), items };
}
