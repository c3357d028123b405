import type { IPv4Bytes } from './address.js';
import { IPV4_HEADER_SIZE, PORT_DATA_DEFAULT, TOS_CONTROL, TOS_DEFAULT, UDP_HEADER_SIZE, type MessageKind, portForKind } from './constants.js';
import { writeIPv4Header } from './ipv4.js';
import { writeUdpHeader } from './udp.js';

/** Every header field of one message, as the reference vectors list them. */
export interface MessageFields {
  source: IPv4Bytes;
  destination: IPv4Bytes;
  sourcePort: number;
  destPort: number;
  identification: number;
  tos: number;
}

/** UDP payload → UDP header → IPv4 header: the bytes that get COBS-encoded. */
export function buildIpPacket(fields: MessageFields, udpPayload: Uint8Array): Uint8Array {
  const udpLength = UDP_HEADER_SIZE + udpPayload.length;
  const total = IPV4_HEADER_SIZE + udpLength;
  const packet = new Uint8Array(total);
  writeIPv4Header(
    { tos: fields.tos, identification: fields.identification, source: fields.source, destination: fields.destination },
    total,
    packet,
    0,
  );
  packet.set(udpPayload, IPV4_HEADER_SIZE + UDP_HEADER_SIZE);
  writeUdpHeader(packet, 0, IPV4_HEADER_SIZE, fields.sourcePort, fields.destPort, udpLength);
  return packet;
}

export interface MessageBuilderOptions {
  source: IPv4Bytes;
  destination: IPv4Bytes;
  /** One source port per kind, like the reference; injected so tests are repeatable. */
  sourcePorts: Readonly<Record<Exclude<MessageKind, 'data'>, number>> & { data?: number };
  initialIdentification: number;
}

/**
 * A station's message factory: keeps the IPv4 identification counter and the
 * per-kind source ports, so callers only say what to send.
 */
export class MessageBuilder {
  private identification: number;

  constructor(private readonly opts: MessageBuilderOptions) {
    this.identification = opts.initialIdentification & 0xffff;
  }

  build(kind: MessageKind, udpPayload: Uint8Array, dataPort = PORT_DATA_DEFAULT): Uint8Array {
    const destPort = kind === 'data' ? dataPort : portForKind(kind);
    const sourcePort = kind === 'data' ? (this.opts.sourcePorts.data ?? this.opts.sourcePorts.text) : this.opts.sourcePorts[kind];
    const packet = buildIpPacket(
      {
        source: this.opts.source,
        destination: this.opts.destination,
        sourcePort,
        destPort,
        identification: this.identification,
        tos: kind === 'control' ? TOS_CONTROL : TOS_DEFAULT,
      },
      udpPayload,
    );
    this.identification = (this.identification + 1) & 0xffff;
    return packet;
  }

  text(line: string): Uint8Array {
    return this.build('text', new TextEncoder().encode(line));
  }

  control(word: string): Uint8Array {
    return this.build('control', new TextEncoder().encode(word));
  }
}
