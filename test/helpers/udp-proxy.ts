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
