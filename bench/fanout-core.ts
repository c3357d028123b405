/**
 * The least a relay can do, as a datagram handler: remember each source, send every
 * datagram to all other sources, nothing else. minimal-fanout.ts runs it as a process
 * (bench:server's baseline); server-relay-cost.ts times it in-process beside opv's relay.
 */
import type { RemoteInfo, Socket } from 'node:dgram';

export function minimalFanout(socket: Socket): (buf: Buffer, r: Pick<RemoteInfo, 'address' | 'port'>) => void {
  const peers = new Map<string, { address: string; port: number }>();
  let list: { address: string; port: number }[] = [];
  return (buf, r) => {
    const key = r.address + ':' + r.port;
    if (!peers.has(key)) {
      peers.set(key, { address: r.address, port: r.port });
      list = [...peers.values()];
    }
    for (const p of list) if (p.port !== r.port || p.address !== r.address) socket.send(buf, p.port, p.address);
  };
}
