// libopus built for WebAssembly (the @evan/opus package's opus.wasm / simd.wasm), driven through
// its raw exports rather than the package's wrapper: nothing here needs more than the
// WebAssembly API (no fs, fetch or TextDecoder), and a frame is encoded or decoded without
// allocating (the samples and the packet live in buffers made once in wasm memory), as an
// AudioWorklet would need. The duet RTP worker uses it for `?duet=opus-120-rtp`; bench:opus
// measures its cost against the 16-bit PCM sent by default.

interface OpusExports {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encoder_ctl_set(st: number, cmd: number, value: number): number;
  opus_encoder_ctl_get(st: number, cmd: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
}

/** libopus request numbers (opus_defines.h). */
export const OPUS = {
  APPLICATION_AUDIO: 2049,
  APPLICATION_RESTRICTED_LOWDELAY: 2051,
  SET_BITRATE: 4002,
  SET_VBR: 4006,
  SET_COMPLEXITY: 4010,
  GET_LOOKAHEAD: 4027,
  SET_EXPERT_FRAME_DURATION: 4040,
  /** OPUS_FRAMESIZE_2_5_MS; 5 ms is 5002, 10 ms 5003. */
  FRAMESIZE_2_5_MS: 5001,
} as const;

export interface OpusEncoderOptions {
  bitrate: number;
  complexity: number;
  /** Samples per frame at 48 kHz (120 = 2.5 ms). */
  frame: number;
  application?: number;
}

export interface OpusFrameEncoder {
  /** Encodes one frame of `pcm` from `offset` (mono, 48 kHz); returns the packet's length (read it with packet()). */
  encode(pcm: Float32Array, offset: number): number;
  /** The last packet (a view into wasm memory: copy it before the next call). */
  packet(length: number): Uint8Array;
  /** The encoder's lookahead, samples at 48 kHz. */
  lookahead: number;
  /** Frees its memory in the wasm heap (the encoder cannot be used after). */
  dispose(): void;
}

export interface OpusFrameDecoder {
  /** Decodes `packet` into `out` (or conceals one frame when it is null); returns the samples written. */
  decode(packet: Uint8Array | null, out: Float32Array): number;
  /** Frees its memory in the wasm heap (the decoder cannot be used after). */
  dispose(): void;
}

export interface OpusWasm {
  encoder(o: OpusEncoderOptions): OpusFrameEncoder;
  decoder(frame: number): OpusFrameDecoder;
  /** Size of its wasm memory, bytes. */
  memoryBytes(): number;
}

const MAX_PACKET = 1500;

export function instantiateOpus(wasm: WebAssembly.Module | Uint8Array<ArrayBuffer>): OpusWasm {
  let views: { i16: Int16Array; u8: Uint8Array } | null = null;
  const instance = new WebAssembly.Instance(wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm), {
    wasi_snapshot_preview1: { fd_seek: () => 0, fd_write: () => 0, fd_close: () => 0, proc_exit: () => undefined },
    env: { emscripten_notify_memory_growth: () => (views = null) },
  });
  const w = instance.exports as unknown as OpusExports;
  const view = () => (views ??= { i16: new Int16Array(w.memory.buffer), u8: new Uint8Array(w.memory.buffer) });
  const check = (code: number, what: string) => {
    if (code < 0) throw new Error(`libopus ${what} failed with error ${code}`);
    return code;
  };
  return {
    memoryBytes: () => w.memory.buffer.byteLength,
    encoder(o) {
      const frameCode = ({ 120: OPUS.FRAMESIZE_2_5_MS, 240: 5002, 480: 5003 } as Record<number, number>)[o.frame];
      if (!frameCode) throw new Error(`Opus frames of ${o.frame} samples are not offered here: use 120, 240 or 480`);
      const st = w.malloc(w.opus_encoder_get_size(1));
      check(w.opus_encoder_init(st, 48000, 1, o.application ?? OPUS.APPLICATION_RESTRICTED_LOWDELAY), 'encoder init');
      check(w.opus_encoder_ctl_set(st, OPUS.SET_BITRATE, o.bitrate), 'bitrate');
      check(w.opus_encoder_ctl_set(st, OPUS.SET_COMPLEXITY, o.complexity), 'complexity');
      check(w.opus_encoder_ctl_set(st, OPUS.SET_EXPERT_FRAME_DURATION, frameCode), 'frame duration');
      const lookahead = w.opus_encoder_ctl_get(st, OPUS.GET_LOOKAHEAD);
      const pcmPtr = w.malloc(o.frame * 2);
      const pktPtr = w.malloc(MAX_PACKET);
      return {
        lookahead,
        encode(pcm, offset) {
          const i16 = view().i16;
          const base = pcmPtr >> 1;
          for (let i = 0; i < o.frame; i++) {
            const s = pcm[offset + i];
            i16[base + i] = s >= 1 ? 32767 : s <= -1 ? -32768 : Math.round(s * 32767);
          }
          return check(w.opus_encode(st, pcmPtr, o.frame, pktPtr, MAX_PACKET), 'encode');
        },
        packet(length) {
          return view().u8.subarray(pktPtr, pktPtr + length);
        },
        dispose() {
          for (const p of [st, pcmPtr, pktPtr]) w.free(p);
        },
      };
    },
    decoder(frame) {
      const st = w.malloc(w.opus_decoder_get_size(1));
      check(w.opus_decoder_init(st, 48000, 1), 'decoder init');
      const pcmPtr = w.malloc(frame * 2);
      const pktPtr = w.malloc(MAX_PACKET);
      return {
        decode(packet, out) {
          if (packet) view().u8.set(packet, pktPtr);
          const n = check(w.opus_decode(st, packet ? pktPtr : 0, packet ? packet.length : 0, pcmPtr, frame, 0), 'decode');
          const i16 = view().i16;
          const base = pcmPtr >> 1;
          for (let i = 0; i < n; i++) out[i] = i16[base + i] / 32768;
          return n;
        },
        dispose() {
          for (const p of [st, pcmPtr, pktPtr]) w.free(p);
        },
      };
    },
  };
}

/** Runs an encoder and a decoder over `frames` frames of a tone (and conceals a few), then frees
 *  them: the first calls into a freshly instantiated libopus are slow (the engine compiles each
 *  function as it is first called), so a codec switch in the middle of a duet would stall its
 *  thread; warmed once up front, it does not. */
export function warmOpus(lib: OpusWasm, o: OpusEncoderOptions, frames = 40): void {
  const enc = lib.encoder(o);
  const dec = lib.decoder(o.frame);
  const pcm = new Float32Array(o.frame);
  const out = new Float32Array(o.frame);
  try {
    for (let f = 0; f < frames; f++) {
      for (let i = 0; i < o.frame; i++) pcm[i] = 0.3 * Math.sin((2 * Math.PI * 440 * (f * o.frame + i)) / 48000);
      const n = enc.encode(pcm, 0);
      dec.decode(f % 8 === 7 ? null : enc.packet(n), out);
    }
  } finally {
    enc.dispose();
    dec.dispose();
  }
}
