// A violin-like test tone for the load benchmark: a bowed-string spectrum (falling harmonics) with
// vibrato, played from a one-period wavetable so that dozens of senders cost the load generator little.

const TABLE_SIZE = 2048;
/** Relative amplitudes of harmonics 1…8, roughly a violin's open-string spectrum (fundamental strongest). */
export const VIOLIN_HARMONICS = [1, 0.6, 0.45, 0.3, 0.2, 0.15, 0.1, 0.07];

export interface ViolinToneOptions {
  sampleRate?: number;
  /** Peak level, 0–1 of full scale. */
  peak?: number;
  /** Vibrato rate in Hz and depth as a fraction of the frequency (±). */
  vibratoHz?: number;
  vibratoDepth?: number;
}

export class ViolinTone {
  readonly sampleRate: number;
  private readonly table = new Float32Array(TABLE_SIZE + 1);
  private phase = 0;
  private vibratoPhase = 0;
  private readonly vibratoStep: number;
  private readonly depth: number;

  constructor(readonly frequency: number, opts: ViolinToneOptions = {}) {
    this.sampleRate = opts.sampleRate ?? 48000;
    this.depth = opts.vibratoDepth ?? 0.003;
    this.vibratoStep = (2 * Math.PI * (opts.vibratoHz ?? 5.5)) / this.sampleRate;
    // Below full scale, so the PCM conversion needs no clipping.
    const peak = Math.min(opts.peak ?? 0.5, 0.99);
    // Only harmonics below Nyquist, normalised so the waveform's peak is `peak`.
    const harmonics = VIOLIN_HARMONICS.filter((_, i) => frequency * (1 + this.depth) * (i + 1) < this.sampleRate / 2);
    let max = 0;
    for (let i = 0; i <= TABLE_SIZE; i++) {
      let v = 0;
      for (let h = 0; h < harmonics.length; h++) v += harmonics[h] * Math.sin((2 * Math.PI * (h + 1) * i) / TABLE_SIZE);
      this.table[i] = v;
      max = Math.max(max, Math.abs(v));
    }
    for (let i = 0; i <= TABLE_SIZE; i++) this.table[i] *= peak / max;
  }

  /** Writes the next samplesPerChannel frames into interleaved 16-bit PCM, the same note on every channel. */
  fill(out: Int16Array, channels: number, samplesPerChannel: number): void {
    // The vibrato moves the pitch once per call (a 10 ms frame): smooth enough at 5.5 Hz, and cheap.
    const step = ((this.frequency * TABLE_SIZE) / this.sampleRate) * (1 + this.depth * Math.sin(this.vibratoPhase));
    this.vibratoPhase = (this.vibratoPhase + this.vibratoStep * samplesPerChannel) % (2 * Math.PI);
    const table = this.table;
    let phase = this.phase;
    for (let i = 0; i < samplesPerChannel; i++) {
      const j = phase | 0;
      const a = table[j];
      const s = ((a + (table[j + 1] - a) * (phase - j)) * 32767) | 0;
      for (let c = 0; c < channels; c++) out[i * channels + c] = s;
      phase += step;
      if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
    }
    this.phase = phase;
  }
}

/**
 * Distinct fundamentals for `count` participants, 12 Hz apart from 200 Hz: far enough apart for the
 * receivers' Goertzel check (ContinuityMeter) to tell any two apart despite vibrato.
 */
export function participantFrequencies(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 200 + 12 * i);
}
