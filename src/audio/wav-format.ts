/**
 * The RIFF/WAVE container for the one PCM format opv speaks: 48 kHz, mono, signed
 * 16-bit little-endian. Pure functions over bytes, shared by the WAV capture, the WAV
 * recorder and the history export.
 */
import { AUDIO_SAMPLE_RATE } from './types.js';
import { OpvError } from '../errors.js';

export const WAV_HEADER_SIZE = 44;

/** A file that is not a 48 kHz mono 16-bit PCM WAV; the message names the file and the fault. */
export class WavFormatError extends OpvError {
  override readonly name = 'WavFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_WAV_FORMAT', message, options);
  }
}

export interface WavLayout {
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data actually present (an even number). */
  dataBytes: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Finds the sample data in a WAV file's bytes. `head` must hold at least the chunks up
 * to the start of the data chunk (the whole file is fine); `fileSize` is the file's
 * length, used to clamp a data size left at 0 or 0xFFFFFFFF by a recorder that was
 * killed before patching its header.
 */
export function parseWavHeader(head: Uint8Array, fileSize: number, what: string): WavLayout {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const tag = (o: number): string => String.fromCharCode(head[o]!, head[o + 1]!, head[o + 2]!, head[o + 3]!);
  if (head.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new WavFormatError(`${what}: not a WAV file (no RIFF/WAVE header)`);
  }
  let offset = 12;
  let sawFormat = false;
  while (offset + 8 <= head.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > head.length) throw new WavFormatError(`${what}: truncated fmt chunk`);
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= head.length) {
        format = view.getUint16(body + 24, true);
      }
      if (format !== WAVE_FORMAT_PCM) throw new WavFormatError(`${what}: not integer PCM (format tag ${format})`);
      if (channels !== 1 || rate !== AUDIO_SAMPLE_RATE || bits !== 16) {
        throw new WavFormatError(
          `${what}: is ${rate} Hz, ${channels} channel(s), ${bits}-bit; opv needs ${AUDIO_SAMPLE_RATE} Hz mono 16-bit ` +
            `(convert with: sox IN -r ${AUDIO_SAMPLE_RATE} -c 1 -b 16 OUT.wav)`,
        );
      }
      sawFormat = true;
    } else if (id === 'data') {
      if (!sawFormat) throw new WavFormatError(`${what}: data chunk before fmt chunk`);
      const present = Math.max(0, fileSize - body);
      const declared = size === 0 || size === 0xffffffff ? present : Math.min(size, present);
      return { dataOffset: body, dataBytes: declared - (declared % 2) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError(`${what}: no ${sawFormat ? 'data' : 'fmt'} chunk`);
}

/** A canonical 44-byte header for `dataBytes` bytes of 48 kHz mono s16 samples. */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_SIZE);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(AUDIO_SAMPLE_RATE, 24);
  h.writeUInt32LE(AUDIO_SAMPLE_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** Little-endian s16 bytes → samples (copies, so the result is aligned and owned). */
export function samplesFromBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Samples → little-endian s16 bytes (a view on little-endian hosts, a copy otherwise). */
export function bytesFromSamples(pcm: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
