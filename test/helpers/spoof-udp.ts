import { execFileSync } from 'node:child_process';

/**
 * Sends UDP datagrams with a forged source address and port (a raw IPv4 socket with the
 * header written by hand), e.g. from the exact address:port a running station is bound
 * to, which no ordinary socket can bind a second time. Needs root (CI runs as root) and
 * python3 (Node has no raw sockets). Loopback or test namespaces only.
 */
const SCRIPT = `
import socket, struct, sys
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for h in sys.argv[5:]:
    data = bytes.fromhex(h)
    udp = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
`;

export function spoofUdp(from: { address: string; port: number }, to: { address: string; port: number }, datagrams: Uint8Array[]): void {
  execFileSync('python3', ['-c', SCRIPT, from.address, String(from.port), to.address, String(to.port), ...datagrams.map((d) => Buffer.from(d).toString('hex'))], {
    stdio: 'pipe',
    timeout: 10_000,
  });
}
