// Public API of the muse-dsp wasm module.
export * from './museDsp.ts';
export * from './defaults.ts';
export * from './notes.ts';
export * from './wav.ts';
