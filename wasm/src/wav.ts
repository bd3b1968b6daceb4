// WAV reading (for the CLI and tests) and writing (tests, benchmarks). Accepts what the tuner
// CLI promises: mono or stereo, 16/24-bit PCM or 32-bit float, 44.1 or 48 kHz.

export const WAV_ACCEPTED = 'mono or stereo, 16/24-bit PCM or 32-bit float, 44100 or 48000 Hz';

export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

export interface Wav {
  sampleRate: number;
  /** One array per channel, samples in −1..1. */
  channels: Float32Array[];
}

export type WavEncoding = 'pcm16' | 'pcm24' | 'float32' | 'pcm8';

/** Parses a RIFF/WAVE file; throws WavFormatError naming what was found and what is accepted. */
export function parseWav(bytes: Uint8Array): Wav {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number): string => String.fromCharCode(...bytes.subarray(o, o + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new WavFormatError(`not a WAV file (no RIFF/WAVE header); accepted: ${WAV_ACCEPTED}`);
  }
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: Uint8Array | null = null;
  for (let o = 12; o + 8 <= bytes.length; ) {
    const id = tag(o);
    const size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      let format = dv.getUint16(body, true);
      if (format === 0xfffe && size >= 40) format = dv.getUint16(body + 24, true);
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
    }
    o = body + size + (size & 1);
  }
  if (!fmt || !data) throw new WavFormatError(`WAV without ${fmt ? 'data' : 'fmt '} chunk; accepted: ${WAV_ACCEPTED}`);
  const kind =
    fmt.format === 1 ? `${fmt.bits}-bit PCM` : fmt.format === 3 ? `${fmt.bits}-bit float` : `format code ${fmt.format}`;
  const ok =
    (fmt.channels === 1 || fmt.channels === 2) &&
    (fmt.rate === 44100 || fmt.rate === 48000) &&
    ((fmt.format === 1 && (fmt.bits === 16 || fmt.bits === 24)) || (fmt.format === 3 && fmt.bits === 32));
  if (!ok) {
    throw new WavFormatError(
      `unsupported WAV: found ${kind}, ${fmt.rate} Hz, ${fmt.channels} channel${fmt.channels === 1 ? '' : 's'}; accepted: ${WAV_ACCEPTED}`,
    );
  }
  const bytesPer = fmt.bits / 8;
  const frames = Math.floor(data.length / (bytesPer * fmt.channels));
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < fmt.channels; c++) {
      const o = (i * fmt.channels + c) * bytesPer;
      let v: number;
      if (fmt.format === 3) v = ddv.getFloat32(o, true);
      else if (fmt.bits === 16) v = ddv.getInt16(o, true) / 32768;
      else v = ((ddv.getUint8(o) | (ddv.getUint8(o + 1) << 8) | (ddv.getInt8(o + 2) << 16)) / 8388608);
      channels[c][i] = v;
    }
  }
  return { sampleRate: fmt.rate, channels };
}

/** Encodes interleaved-from-planar channels as a WAV file. */
export function encodeWav(channels: Float32Array[], sampleRate: number, encoding: WavEncoding = 'pcm16'): Uint8Array {
  const bits = encoding === 'pcm8' ? 8 : encoding === 'pcm16' ? 16 : encoding === 'pcm24' ? 24 : 32;
  const bytesPer = bits / 8;
  const n = channels[0]?.length ?? 0;
  const dataLen = n * channels.length * bytesPer;
  const out = new Uint8Array(44 + dataLen);
  const dv = new DataView(out.buffer);
  const put = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  dv.setUint32(4, 36 + dataLen, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, encoding === 'float32' ? 3 : 1, true);
  dv.setUint16(22, channels.length, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * channels.length * bytesPer, true);
  dv.setUint16(32, channels.length * bytesPer, true);
  dv.setUint16(34, bits, true);
  put(36, 'data');
  dv.setUint32(40, dataLen, true);
  let o = 44;
  for (let i = 0; i < n; i++) {
    for (const ch of channels) {
      const v = Math.max(-1, Math.min(1, ch[i]));
      if (encoding === 'float32') dv.setFloat32(o, ch[i], true);
      else if (bits === 8) dv.setUint8(o, Math.round(v * 127) + 128);
      else if (bits === 16) dv.setInt16(o, Math.round(v * 32767), true);
      else {
        const s = Math.round(v * 8388607);
        dv.setUint8(o, s & 0xff);
        dv.setUint8(o + 1, (s >> 8) & 0xff);
        dv.setInt8(o + 2, s >> 16);
      }
      o += bytesPer;
    }
  }
  return out;
}
