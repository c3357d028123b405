import { tryDecodeCallsign, readStationId, writeStationId } from './callsign.js';
import { FRAME_SIZE, HEADER_SIZE, TOKEN } from './constants.js';

export interface OpvHeader {
  stationId: number;
  token: [number, number, number];
  reserved: [number, number, number];
}

export type FrameRejectReason = 'size' | 'token' | 'station_id';

export type FrameCheck =
  | { ok: true; stationId: number; callsign: string }
  | { ok: false; reason: FrameRejectReason; detail: string };

export function writeHeader(stationId: number, out: Uint8Array, offset = 0): void {
  writeStationId(stationId, out, offset);
  out[offset + 6] = TOKEN[0];
  out[offset + 7] = TOKEN[1];
  out[offset + 8] = TOKEN[2];
  out[offset + 9] = 0;
  out[offset + 10] = 0;
  out[offset + 11] = 0;
}

export function buildHeader(stationId: number): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeHeader(stationId, out);
  return out;
}

/** Parses the 12 header bytes without judging them; null when too short. */
export function parseHeader(buf: Uint8Array): OpvHeader | null {
  if (buf.length < HEADER_SIZE) return null;
  return {
    stationId: readStationId(buf, 0),
    token: [buf[6]!, buf[7]!, buf[8]!],
    reserved: [buf[9]!, buf[10]!, buf[11]!],
  };
}

export function hasToken(buf: Uint8Array): boolean {
  return buf[6] === TOKEN[0] && buf[7] === TOKEN[1] && buf[8] === TOKEN[2];
}

/**
 * The server's admission check of a datagram as an OPV frame: size, token, station id.
 * Cheap enough for the hot path; callers that see the same ids repeatedly may cache
 * the callsign by id.
 */
export function checkFrame(buf: Uint8Array): FrameCheck {
  if (buf.length !== FRAME_SIZE) {
    return { ok: false, reason: 'size', detail: `${buf.length} bytes, expected ${FRAME_SIZE}` };
  }
  if (!hasToken(buf)) {
    return { ok: false, reason: 'token', detail: 'token is not BBAADD' };
  }
  const id = readStationId(buf, 0);
  const call = tryDecodeCallsign(id);
  if (!call.ok) return { ok: false, reason: 'station_id', detail: call.error.message };
  return { ok: true, stationId: id, callsign: call.value };
}
