/**
 * The baseline for bench:server: the least a relay can do (fanout-core.ts) on its own
 * UDP port, as a process. A default dgram socket: the destination lookup is Node's own.
 */
import { createSocket } from 'node:dgram';
import { minimalFanout } from './fanout-core.js';

const port = Number(process.argv[2] ?? 57372);
const socket = createSocket('udp4');
socket.on('message', minimalFanout(socket));
socket.bind(port, () => process.stdout.write('🚀 Server ready for connections\n'));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
