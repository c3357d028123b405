import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { parseIPv4Address, type IPv4Bytes } from '../protocol/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { OpvError } from '../errors.js';

export interface LinkEvents {
  frame: Buffer;
  sendError: Error;
}

/**
 * The station's one UDP socket: it sends from, and listens on, `listenPort`, so an
 * opv server (which answers the source address) and a reference server (which answers
 * IP:57372) both reach it.
 */
export class Link extends TypedEmitter<LinkEvents> {
  private socket: Socket | null = null;
  serverAddress = '';
  /** Addresses for the IPv4 header inside messages (informational on the wire). */
  localIPv4: IPv4Bytes = [127, 0, 0, 1];
  serverIPv4: IPv4Bytes = [127, 0, 0, 1];
  /** Source of the datagram being delivered by 'frame' (the server's own messages are believed only from the exact address and port we send to). */
  lastSource: { address: string; port: number } | null = null;

  constructor(
    private readonly server: string,
    private readonly port: number,
    private readonly listenPort: number,
  ) {
    super();
  }

  async open(): Promise<void> {
    let address: string;
    let family: number;
    try {
      ({ address, family } = await lookup(this.server));
    } catch {
      throw new LinkError(`cannot resolve server "${this.server}"`);
    }
    this.serverAddress = address;
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e: NodeJS.ErrnoException) =>
        reject(new LinkError(e.code === 'EADDRINUSE' ? listenPortTaken(this.listenPort) : e.message)),
      );
      socket.bind(this.listenPort, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.on('message', (buf, rinfo) => {
      this.lastSource = { address: rinfo.address, port: rinfo.port };
      this.emit('frame', buf);
    });
    socket.on('error', (e) => this.emit('sendError', e));
    this.socket = socket;
    if (family === 4) {
      this.serverIPv4 = parseIPv4Address(address) ?? this.serverIPv4;
      this.localIPv4 = (await localAddressToward(address, this.port)) ?? this.localIPv4;
    }
  }

  private inflight = 0;
  /** Date.now() of the last send the kernel accepted (a failed link recovers on this). */
  lastSendOkAt = 0;

  send(frame: Uint8Array): void {
    if (!this.socket) return;
    this.inflight++;
    this.socket.send(frame, this.port, this.serverAddress, (err) => {
      this.inflight--;
      if (err) this.emit('sendError', err);
      else this.lastSendOkAt = Date.now();
    });
  }

  /** Where the server's messages must come from: the address and port this station sends to. */
  get serverEndpoint(): { address: string; port: number } {
    return { address: this.serverAddress, port: this.port };
  }

  get boundPort(): number {
    return this.socket?.address().port ?? 0;
  }

  async close(): Promise<void> {
    // Closing under a pending send would drop it, and the last one is usually BYE.
    const deadline = Date.now() + 500;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export class LinkError extends OpvError {
  override readonly name = 'LinkError';
  constructor(message: string, options?: ErrorOptions) {
    super('OPV_LINK', message, options);
  }
}

/** The local address the kernel would use toward the server (connect() sends nothing on UDP). */
async function localAddressToward(address: string, port: number): Promise<IPv4Bytes | null> {
  const probe = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(port, address, () => resolve());
    });
    return parseIPv4Address(probe.address().address);
  } catch {
    return null;
  } finally {
    probe.close();
  }
}

/**
 * Which program holds the port is not knowable from here (it may be an opv server on this
 * host, another station, or anything else): say what is certain and what to do.
 */
export function listenPortTaken(port: number): string {
  return `UDP port ${port} is already in use on this machine by another program; choose a free one with --listen-port (an opv server answers any port; a reference server only answers 57372)`;
}
