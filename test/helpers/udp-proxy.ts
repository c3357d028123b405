import { createSocket } from 'node:dgram';
import { freeUdpPort } from './paths.js';

export interface LossyProxy {
  port: number;
  close: () => void;
  dropped: () => number;
  forwarded: () => number;
}

/**
 * A userspace UDP proxy in front of a server on loopback, for one client: drops `loss`
 * of the datagrams and delays each by 0–2·jitter ms, both ways. A delay spread wider
 * than the 40 ms frame interval reorders packets (this kernel has no netem). Seeded,
 * so a run is repeatable.
 */
export async function lossyProxy(serverPort: number, loss: number, jitterMs: number, seed = 1): Promise<LossyProxy> {
  let x = seed;
  const rand = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  let dropped = 0;
  let forwarded = 0;
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: { address: string; port: number } | null = null;
  let closed = false;
  const port = await freeUdpPort();
  await new Promise<void>((r) => front.bind(port, '127.0.0.1', () => r()));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
  const pass = (send: () => void): void => {
    if (rand() < loss) {
      dropped++;
      return;
    }
    forwarded++;
    // A datagram still in flight when the proxy closes is dropped, not sent on a closed socket.
    setTimeout(() => closed || send(), rand() * 2 * jitterMs);
  };
  front.on('message', (buf, r) => {
    client = { address: r.address, port: r.port };
    pass(() => back.send(buf, serverPort, '127.0.0.1'));
  });
  back.on('message', (buf) => {
    const c = client;
    if (c) pass(() => front.send(buf, c.port, c.address));
  });
  return { port, dropped: () => dropped, forwarded: () => forwarded, close: () => ((closed = true), front.close(), back.close()) };
}

export interface NatProxy {
  port: number;
  /** The port the server sees the client at now. */
  outsidePort: () => number;
  /** Resolves once no datagram has passed either way for `ms` (the client is between keepalives). */
  quiet: (ms: number) => Promise<void>;
  /** A NAT rebinding: the mapping is dropped and the next datagram leaves from a new port. */
  rebind: () => Promise<void>;
  close: () => void;
}

/**
 * A userspace NAT in front of a server on loopback, for one client: the client talks to
 * `port`; the server sees it at an outside port that `rebind()` changes, as a home
 * router does when its mapping expires. Answers to the old outside port are lost.
 */
export async function natProxy(serverPort: number): Promise<NatProxy> {
  const front = createSocket('udp4');
  let client: { address: string; port: number } | null = null;
  let closed = false;
  let lastAt = Date.now();
  const port = await freeUdpPort();
  await new Promise<void>((r) => front.bind(port, '127.0.0.1', () => r()));
  const outside = async (): Promise<ReturnType<typeof createSocket>> => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.on('message', (buf) => {
      const c = client;
      lastAt = Date.now();
      if (c && !closed && s === back) front.send(buf, c.port, c.address);
    });
    return s;
  };
  let back = await outside();
  front.on('message', (buf, r) => {
    client = { address: r.address, port: r.port };
    lastAt = Date.now();
    back.send(buf, serverPort, '127.0.0.1');
  });
  return {
    port,
    outsidePort: () => back.address().port,
    quiet: async (ms) => {
      while (Date.now() - lastAt < ms) await new Promise((r) => setTimeout(r, ms - (Date.now() - lastAt)));
    },
    rebind: async () => {
      const old = back;
      back = await outside();
      old.close();
    },
    close: () => ((closed = true), front.close(), back.close()),
  };
}
