import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs.js';
import { FRAME_SIZE, HEADER_SIZE, PAYLOAD_SIZE } from './constants.js';
import { writeHeader } from './header.js';

/** Reused COBS output; framing is synchronous, so one scratch buffer serves every call. */
let scratch = new Uint8Array(4096);

/**
 * Message (an IPv4 packet) → COBS → 0x00 delimiter → 122-byte payloads behind the
 * 12-byte header, the last one zero padded. Each message starts on a fresh frame,
 * as the reference sends it.
 */
export function frameMessage(stationId: number, ipPacket: Uint8Array): Uint8Array[] {
  const need = cobsMaxEncodedLength(ipPacket.length) + 1;
  if (scratch.length < need) scratch = new Uint8Array(need * 2);
  const encodedLength = cobsEncodeInto(ipPacket, scratch, 0) + 1;
  scratch[encodedLength - 1] = 0; // the delimiter
  const count = Math.ceil(encodedLength / PAYLOAD_SIZE);
  // One backing buffer for all frames of a message keeps allocation to one call;
  // it is zero-filled, which is the padding.
  const backing = new Uint8Array(count * FRAME_SIZE);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * FRAME_SIZE;
    writeHeader(stationId, backing, at);
    backing.set(scratch.subarray(i * PAYLOAD_SIZE, Math.min(encodedLength, (i + 1) * PAYLOAD_SIZE)), at + HEADER_SIZE);
    frames.push(count === 1 ? backing : backing.subarray(at, at + FRAME_SIZE));
  }
  return frames;
}
