/**
 * Voice on disk: WAV read/write (48 kHz mono s16), Ogg Opus export of received or
 * sent packets without re-encoding, and decoding a stored transmission to PCM for
 * replay or WAV export.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OPUS_TOC, SAMPLES_PER_FRAME } from '../../protocol/index.js';
import { bytesFromSamples, parseWavHeader, samplesFromBytes, wavHeader } from '../../audio/wav-format.js';
import { VoiceDecoder } from './decoder.js';
import { buildOggOpus, type OggOpusOptions } from './ogg-opus.js';
import { OpvError } from '../../errors.js';

export { WavFormatError } from '../../audio/wav-format.js';

export async function writeWav(file: string, pcm: Int16Array): Promise<void> {
  const body = bytesFromSamples(pcm);
  await writeFile(file, Buffer.concat([wavHeader(body.length), body]));
}

/** Reads a 48 kHz mono 16-bit WAV; anything else rejects with WavFormatError. */
export async function readWav(file: string): Promise<Int16Array> {
  const bytes = await readFile(file);
  const { dataOffset, dataBytes } = parseWavHeader(bytes, bytes.length, file);
  return samplesFromBytes(bytes.subarray(dataOffset, dataOffset + dataBytes));
}

/**
 * Writes packets as an Ogg Opus file. A `null` (a packet lost on the air) becomes a
 * 40 ms packet of two zero-length frames, which every Opus decoder conceals, so the
 * file keeps the transmission's true timing.
 */
export async function writeOggOpus(
  file: string,
  packets: (Uint8Array | null)[],
  opts: OggOpusOptions = {},
): Promise<void> {
  const filled = packets.map((p) => p ?? LOST_PACKET);
  await writeFile(file, buildOggOpus(filled, opts));
}

/** Our TOC (code 3) with two zero-length frames = 40 ms for the decoder to conceal. */
const LOST_PACKET = Uint8Array.from([OPUS_TOC, 0x02]);

/** Decodes a transmission (null = lost → Opus concealment) to 1920 samples per packet. */
export function decodeTransmission(packets: (Uint8Array | null)[]): Int16Array {
  const decoder = new VoiceDecoder();
  const out = new Int16Array(packets.length * SAMPLES_PER_FRAME);
  packets.forEach((p, i) => out.set(p === null ? decoder.conceal() : decoder.decode(p), i * SAMPLES_PER_FRAME));
  return out;
}

/** An export file name whose extension says neither WAV nor Ogg Opus. */
export class ExportFormatError extends OpvError {
  override readonly name = 'ExportFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_EXPORT_FORMAT', message, options);
  }
}

/**
 * Writes a transmission for other players: ".wav" → decoded PCM (losses concealed),
 * ".ogg"/".opus" → the packets themselves in Ogg Opus (no re-encoding). Other
 * extensions reject with ExportFormatError before anything is written.
 */
export async function exportTransmission(
  file: string,
  packets: (Uint8Array | null)[],
  opts: OggOpusOptions = {},
): Promise<'wav' | 'ogg'> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.wav') {
    await writeWav(file, decodeTransmission(packets));
    return 'wav';
  }
  if (ext === '.ogg' || ext === '.opus') {
    await writeOggOpus(file, packets, opts);
    return 'ogg';
  }
  throw new ExportFormatError(`cannot export to "${path.basename(file)}": use a .wav, .ogg or .opus file name`);
}
