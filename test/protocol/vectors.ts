import { readFileSync } from 'node:fs';
import { referenceFramesJson } from '../helpers/paths.js';

/** The shape of test/fixtures/reference-frames.json (the parts the tests read). */
export interface IpFieldsJson {
  version: number;
  ihl: number;
  tos: number;
  total_length: number;
  identification: number;
  flags: number;
  ttl: number;
  protocol: number;
  checksum: number;
  source_ip: string;
  dest_ip: string;
}
export interface UdpFieldsJson {
  source_port: number;
  dest_port: number;
  length: number;
  checksum: number;
  payload_length: number;
}
export interface RtpFieldsJson {
  version: number;
  padding: number;
  extension: number;
  csrc_count: number;
  marker: number;
  payload_type: number;
  sequence_number: number;
  timestamp: number;
  ssrc: number;
  header_size: number;
}
export interface MessageJson {
  ip_packet: string;
  ip: IpFieldsJson;
  udp: UdpFieldsJson;
  udp_payload: string;
  rtp?: RtpFieldsJson;
  opus?: string;
}
export interface FrameCaseJson {
  kind: 'text' | 'control' | 'voice';
  station: string;
  label: string;
  content: string;
  frames: string[];
  messages: MessageJson[];
}
export interface ReferenceVectors {
  frame_size: number;
  header_size: number;
  payload_size: number;
  token: string;
  ports: { voice: number; text: number; control: number };
  callsigns: { callsign: string; encoded: string; bytes: string; decoded: string }[];
  callsign_validity: { callsign: string; valid: boolean }[];
  callsign_normalisation: { input: string; normalised: string }[];
  cobs: { decoded: string; encoded: string }[];
  frames: FrameCaseJson[];
  interleaved: { frames: string[]; expected: { station: string; text: string }[] };
}

export function loadVectors(): ReferenceVectors {
  return JSON.parse(readFileSync(referenceFramesJson, 'utf8')) as ReferenceVectors;
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
