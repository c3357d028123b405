import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { ConfigError } from './config.js';
import type { Endpoint } from './endpoint.js';
import type { Room } from './room.js';
import { sizeBuffers, type BufferGrant } from './socket-stats.js';

/** A datagram as the transport hands it on: `via` is the index of the socket it came in on. */
export type DatagramHandler = (buf: Buffer, rinfo: RemoteInfo, via: number) => void;

interface Listener {
  socket: Socket;
  room: Room;
}

/** A room's port could not be bound: says which room and port, in words. */
export class PortError extends ConfigError {
  constructor(room: Room, e: NodeJS.ErrnoException, main: boolean) {
    const which = main ? '' : ` (room ${room.name})`;
    const port = String(room.port);
    super(
      e.code === 'EADDRINUSE'
        ? `UDP port ${port}${which} is already in use (another server running?)`
        : `cannot listen on UDP port ${port}${which}: ${e.message}`,
    );
  }
}

/**
 * The relay's UDP sockets: one per port, [0] the main port (room MAIN), then one per room
 * with a port. Replies leave by the socket their station came in on (Endpoint.via), so a
 * reference station on a room's port hears that port answer.
 */
export class UdpTransport {
  private listeners: Listener[] = [];
  boundPort = 0;
  boundAddress = '';

  constructor(
    private readonly host: string,
    private readonly onDatagram: DatagramHandler,
    private readonly onSocketError: (room: Room, err: Error) => void,
  ) {}

  /** Binds every room's port (all or none: on a failure the bound ones are closed); each room keeps the port it actually bound. */
  async start(rooms: Iterable<Room>, main: Room): Promise<void> {
    const bound: Listener[] = [];
    try {
      for (const room of rooms) {
        if (room.port === null) continue;
        const via = bound.length;
        const socket = await bindSocket(this.host, room.port).catch((e: NodeJS.ErrnoException) => {
          throw new PortError(room, e, room === main);
        });
        room.port = socket.address().port;
        bound.push({ socket, room });
        socket.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo, via));
        // A send error (e.g. ICMP unreachable reported on the socket) must never stop the relay.
        socket.on('error', (err) => this.onSocketError(room, err));
      }
    } catch (e) {
      for (const l of bound) l.socket.close();
      throw e;
    }
    this.listeners = bound;
    const a = bound[0]!.socket.address();
    this.boundPort = a.port;
    this.boundAddress = a.address;
  }

  send(buf: Buffer, to: Endpoint): void {
    this.listeners[to.via]?.socket.send(buf, to.port, to.address);
  }

  /** The room of the socket `via` (undefined before start or for an unknown index). */
  roomOf(via: number): Room | undefined {
    return this.listeners[via]?.room;
  }

  /** Asks the kernel for the receive and send buffers on every socket; what it granted (the first socket's: all are sized alike). */
  sizeBuffers(rcvBytes: number, sndBytes: number): BufferGrant | null {
    let grant: BufferGrant | null = null;
    for (const l of this.listeners) {
      const g = sizeBuffers(l.socket, rcvBytes, sndBytes);
      grant ??= g;
    }
    return grant;
  }

  /** The ports bound now. */
  ports(): number[] {
    return this.listeners.map((l) => l.socket.address().port);
  }

  async close(): Promise<void> {
    const ls = this.listeners;
    this.listeners = [];
    await Promise.all(ls.map((l) => new Promise<void>((resolve) => l.socket.close(() => resolve()))));
  }
}

/** Families of the literals seen lately; cleared when full, so a flood of sources cannot grow it. */
const literalFamilies = new Map<string, number>();
const MAX_LITERALS = 8192;

/**
 * The relay only ever sends to addresses it read off a datagram (IP literals), yet dgram
 * resolves every destination through dns.lookup, which answers a literal on the next tick:
 * each of a frame's sends then waits for the relay's turn to end and pays a lookup's
 * bookkeeping. A literal is answered in the same turn, its family from a cache (isIP runs
 * the long IPv6 pattern on every `::ffff:` address of a dual-stack socket); a name still
 * goes through the resolver.
 */
export const literalLookup: NonNullable<SocketOptions['lookup']> = (host, options, callback) => {
  let family = literalFamilies.get(host);
  if (family === undefined) {
    family = isIP(host);
    if (family !== 0) {
      if (literalFamilies.size >= MAX_LITERALS) literalFamilies.clear();
      literalFamilies.set(host, family);
    }
  }
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, options, callback);
};

async function bindSocket(host: string, port: number): Promise<Socket> {
  const tryBind = (type: 'udp4' | 'udp6', addr: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createSocket({ type, reuseAddr: false, ipv6Only: false, lookup: literalLookup });
      s.once('error', (e) => {
        s.close();
        reject(e);
      });
      s.bind(port, addr, () => {
        s.removeAllListeners('error');
        resolve(s);
      });
    });
  if (host === '::') {
    try {
      return await tryBind('udp6', '::');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw e;
      return tryBind('udp4', '0.0.0.0');
    }
  }
  return tryBind(host.includes(':') ? 'udp6' : 'udp4', host);
}
