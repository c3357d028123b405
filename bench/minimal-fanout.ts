/**
 * The baseline for bench:server: the least a relay can do. Remember each source,
 * send every datagram to all other sources, nothing else.
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2] ?? 57372);
const socket = createSocket('udp4');
const peers = new Map<string, { address: string; port: number }>();
let list: { address: string; port: number }[] = [];
socket.on('message', (buf, r) => {
  const key = r.address + ':' + r.port;
  if (!peers.has(key)) {
    peers.set(key, { address: r.address, port: r.port });
    list = [...peers.values()];
  }
  for (const p of list) if (p.port !== r.port || p.address !== r.address) socket.send(buf, p.port, p.address);
});
socket.bind(port, () => process.stdout.write('🚀 Server ready for connections\n'));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
