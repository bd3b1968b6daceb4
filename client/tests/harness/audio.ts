// Test signals: WAV files for Chromium's fake microphone.
import { writeFileSync } from 'node:fs';

/** Writes a 16-bit PCM WAV of a sine at `hz` (mono unless `rightHz` gives a second channel). */
export function writeToneWav(file: string, hz: number, opts: { seconds?: number; sampleRate?: number; amplitude?: number; rightHz?: number } = {}): void {
  const { seconds = 10, sampleRate = 48000, amplitude = 0.5, rightHz } = opts;
  const channels = rightHz ? 2 : 1;
  const frames = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const l = Math.sin((2 * Math.PI * hz * i) / sampleRate) * amplitude;
    data.writeInt16LE(Math.round(l * 32767), i * channels * 2);
    if (rightHz) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * rightHz * i) / sampleRate) * amplitude * 32767), i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}
