// Note names for MIDI numbers, built once so naming a note never allocates.

const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
const TABLE: readonly string[] = Array.from({ length: 128 }, (_, m) => `${NAMES[m % 12]}${Math.floor(m / 12) - 1}`);

/** Scientific pitch name of a MIDI note ("A4" for 69); "" outside 0..127. */
export function noteName(midi: number): string {
  return TABLE[midi] ?? '';
}

/** Frequency in Hz of a (possibly fractional) MIDI note. */
export function midiToHz(midi: number, a4Hz = 440): number {
  return a4Hz * 2 ** ((midi - 69) / 12);
}

/** Cents from `refHz` to `hz`. */
export function centsBetween(hz: number, refHz: number): number {
  return 1200 * Math.log2(hz / refHz);
}
