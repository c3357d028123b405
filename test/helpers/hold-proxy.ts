/**
 * A TCP proxy on loopback that can stall a link the way a frozen host or a stopped
 * nats-server does: while held, bytes in both directions (and new connections) are kept,
 * not dropped, and delivered late when released. That late delivery is what makes a
 * client's old connection come back to life next to its new one.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface HoldProxy {
  port: number;
  hold(): void;
  release(): void;
  close(): void;
}

export async function holdProxy(targetPort: number): Promise<HoldProxy> {
  let held = false;
  const pending: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const later = (f: () => void): void => {
    if (held) pending.push(f);
    else f();
  };
  const srv: Server = createServer((client) => {
    sockets.add(client);
    later(() => {
      if (client.destroyed) return;
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(upstream);
      client.on('data', (d) => later(() => upstream.write(d)));
      upstream.on('data', (d) => later(() => client.write(d)));
      const end = (): void => later(() => {
        client.destroy();
        upstream.destroy();
      });
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const f of pending.splice(0)) f();
    },
    close() {
      srv.close();
      for (const s of sockets) s.destroy();
    },
  };
}
