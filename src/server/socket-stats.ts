/**
 * The relay's UDP sockets as the kernel sees them: the buffers it granted and the
 * datagrams it dropped. opv's own counters cannot see a datagram the kernel threw
 * away because the receive buffer was full, so the truth is read from /proc.
 */
import type { Socket } from 'node:dgram';
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { SocketStats } from '../contract/stats.js';

/** Default send buffer asked for each relay UDP socket: a frame's fan-out to 1 000 stations fits many times over. */
export const DEFAULT_UDP_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Default receive buffer asked for each relay UDP socket (Linux grants twice this: about
 * 300 frames on loopback, fewer from a real card). Deliberately small: a relay
 * that cannot keep up should drop, and count, what it cannot serve (the kernel's drop
 * counter, the socket_drops alert) rather than queue seconds of frames that are all late.
 */
export const DEFAULT_UDP_RCVBUF_BYTES = 128 * 1024;

export interface BufferGrant {
  askedRcvBytes: number;
  askedSndBytes: number;
  rcvbufBytes: number;
  sndbufBytes: number;
}

/**
 * Asks the kernel for `rcvBytes` of receive and `sndBytes` of send buffer. Linux reports
 * twice what it granted (the doubling covers its bookkeeping) and caps the request at
 * net.core.rmem_max / wmem_max; SO_RCVBUFFORCE, which root could use past that cap,
 * is not available from Node.
 */
export function sizeBuffers(socket: Socket, rcvBytes: number, sndBytes: number): BufferGrant {
  try {
    socket.setRecvBufferSize(rcvBytes);
  } catch {
    // Refused outright (EPERM/EINVAL on odd kernels): the grant below says what we have.
  }
  try {
    socket.setSendBufferSize(sndBytes);
  } catch {
    // As above.
  }
  return { askedRcvBytes: rcvBytes, askedSndBytes: sndBytes, rcvbufBytes: socket.getRecvBufferSize(), sndbufBytes: socket.getSendBufferSize() };
}

/** Words for the start-up line when the kernel granted less than asked (null: it granted it all). */
export function grantShortfall(g: BufferGrant): string | null {
  // Linux doubles the value it stores: a full grant reads back as twice the request.
  const short: string[] = [];
  if (g.rcvbufBytes < 2 * g.askedRcvBytes) short.push(`receive ${String(g.rcvbufBytes)} of ${String(g.askedRcvBytes)} asked (net.core.rmem_max caps it)`);
  if (g.sndbufBytes < 2 * g.askedSndBytes) short.push(`send ${String(g.sndbufBytes)} of ${String(g.askedSndBytes)} asked (net.core.wmem_max caps it)`);
  if (short.length === 0) return null;
  return `UDP buffers smaller than asked: ${short.join(', ')}, in bytes; raise the sysctl (Node cannot use SO_RCVBUFFORCE, even as root)`;
}

/** One row of /proc/net/udp or udp6: the local port, the socket's inode and its drop counter. */
export interface UdpRow {
  port: number;
  inode: number;
  drops: number;
}

/** Parses /proc/net/udp (or udp6); rows that do not parse are skipped. */
export function parseProcNetUdp(text: string): UdpRow[] {
  const rows: UdpRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (f.length < 13) continue;
    const colon = f[1]!.lastIndexOf(':');
    const port = parseInt(f[1]!.slice(colon + 1), 16);
    const inode = Number(f[9]);
    const drops = Number(f[12]);
    if (!Number.isFinite(port) || !Number.isFinite(inode) || !Number.isFinite(drops)) continue;
    rows.push({ port, inode, drops });
  }
  return rows;
}

/** The Udp counters of /proc/net/snmp (namespace-wide), by name. */
export function parseSnmpUdp(text: string): Map<string, number> {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  const out = new Map<string, number>();
  if (lines.length < 2) return out;
  const names = lines[0]!.trim().split(/\s+/).slice(1);
  const values = lines[1]!.trim().split(/\s+/).slice(1);
  names.forEach((n, i) => {
    const v = Number(values[i]);
    if (Number.isFinite(v)) out.set(n, v);
  });
  return out;
}

/** Where /proc is read from (a fake in tests). Asynchronous: the kernel builds these files in the thread pool, not on the relay's thread. */
export interface ProcSource {
  read(file: string): Promise<string>;
  /** Inodes of this process's sockets (from /proc/self/fd). */
  socketInodes(): Promise<Set<number>>;
}

const linuxProc: ProcSource = {
  read: (file) => readFile(file, 'utf8'),
  socketInodes: async () => {
    const out = new Set<number>();
    for (const fd of await readdir('/proc/self/fd')) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/self/fd/${fd}`));
        if (m) out.add(Number(m[1]));
      } catch {
        // The fd closed between the listing and the readlink.
      }
    }
    return out;
  },
};

/**
 * Reads the kernel's drop counters for the relay's sockets: receive drops per socket
 * (the `drops` column of /proc/net/udp for this process's sockets on the relay's ports),
 * send-buffer errors from /proc/net/snmp (the kernel keeps no per-socket send counter,
 * so that one is the network namespace's, counted from the server's start).
 */
export class SocketWatch {
  private inodes = new Set<number>();
  private sndBase = 0;
  private rcvBase = 0;
  private perSocket = true;
  private available = true;

  constructor(
    private readonly ports: () => number[],
    private readonly grant: BufferGrant,
    private readonly proc: ProcSource = linuxProc,
  ) {}

  /** Learns the relay's sockets and the counters' starting values; false when /proc cannot tell (not Linux). */
  async start(): Promise<boolean> {
    try {
      const snmp = parseSnmpUdp(await this.proc.read('/proc/net/snmp'));
      this.sndBase = snmp.get('SndbufErrors') ?? 0;
      this.rcvBase = snmp.get('RcvbufErrors') ?? 0;
      const mine = await this.proc.socketInodes();
      const ports = new Set(this.ports());
      for (const r of await this.rows()) if (ports.has(r.port) && mine.has(r.inode)) this.inodes.add(r.inode);
      this.perSocket = this.inodes.size > 0;
    } catch {
      this.available = false;
    }
    return this.available;
  }

  private async rows(): Promise<UdpRow[]> {
    const out: UdpRow[] = [];
    for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
      try {
        out.push(...parseProcNetUdp(await this.proc.read(f)));
      } catch {
        // No IPv6 in this kernel: the other file has the sockets.
      }
    }
    return out;
  }

  /** Reads the counters now (a few /proc reads: call it from the sweep, never per frame). */
  async read(): Promise<SocketStats | null> {
    if (!this.available) return null;
    try {
      const snmp = parseSnmpUdp(await this.proc.read('/proc/net/snmp'));
      let rcv: number;
      if (this.perSocket) {
        rcv = 0;
        for (const r of await this.rows()) if (this.inodes.has(r.inode)) rcv += r.drops;
      } else {
        rcv = Math.max(0, (snmp.get('RcvbufErrors') ?? 0) - this.rcvBase);
      }
      return {
        rcvbuf_bytes: this.grant.rcvbufBytes,
        sndbuf_bytes: this.grant.sndbufBytes,
        kernel_rcvbuf_errors: rcv,
        kernel_sndbuf_errors: Math.max(0, (snmp.get('SndbufErrors') ?? 0) - this.sndBase),
      };
    } catch {
      return null;
    }
  }
}
