import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs.js';
import { FRAME_SIZE, HEADER_SIZE, PAYLOAD_SIZE } from './constants.js';
import { writeHeader } from './header.js';

/**
 * Message (an IPv4 packet) → COBS → 0x00 delimiter → 122-byte payloads behind the
 * 12-byte header, the last one zero padded. Each message starts on a fresh frame,
 * as the reference sends it.
 */
export function frameMessage(stationId: number, ipPacket: Uint8Array): Uint8Array[] {
  const stream = new Uint8Array(cobsMaxEncodedLength(ipPacket.length) + 1);
  const encodedLength = cobsEncodeInto(ipPacket, stream, 0) + 1; // + delimiter, already 0
  const count = Math.ceil(encodedLength / PAYLOAD_SIZE);
  // One backing buffer for all frames of a message keeps allocation to one call.
  const backing = new Uint8Array(count * FRAME_SIZE);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const frame = backing.subarray(i * FRAME_SIZE, (i + 1) * FRAME_SIZE);
    writeHeader(stationId, frame, 0);
    frame.set(stream.subarray(i * PAYLOAD_SIZE, Math.min(encodedLength, (i + 1) * PAYLOAD_SIZE)), HEADER_SIZE);
    frames.push(frame);
  }
  return frames;
}
