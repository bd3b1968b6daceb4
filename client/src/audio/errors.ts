export enum AudioErrorCode {
  NoAudioWorklet = 1,
  WasmLoadFailed = 2,
  WorkletLoadFailed = 3,
}

/** Failures of the audio engine, raised at construction only (never from the audio thread). */
export class AudioEngineError extends Error {
  constructor(
    readonly code: AudioErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AudioEngineError';
  }
}
