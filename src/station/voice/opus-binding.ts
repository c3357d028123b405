/**
 * The one place that touches @discordjs/opus. It is a CommonJS module whose only
 * export is the `OpusEncoder` class (which, despite its name, also decodes); Node's
 * ESM loader exposes it only as the default export.
 */
import opus from '@discordjs/opus';

export const OpusCodec = opus.OpusEncoder;
export type OpusCodec = InstanceType<typeof opus.OpusEncoder>;

/** libopus request numbers (opus_defines.h) that the binding passes through. */
export const OPUS_SET_APPLICATION = 4000;
export const OPUS_APPLICATION_VOIP = 2048;
export const OPUS_SET_VBR = 4006;
export const OPUS_SET_COMPLEXITY = 4010;

/** Samples per frame (at 48 kHz) coded by an Opus TOC byte (RFC 6716 §3.1). */
export function samplesPerOpusFrame(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!; // SILK: 10/20/40/60 ms
  if (config < 16) return config & 1 ? 960 : 480; // hybrid: 10/20 ms
  return [120, 240, 480, 960][config & 3]!; // CELT: 2.5/5/10/20 ms
}
