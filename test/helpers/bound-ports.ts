import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The UDP ports a running process has bound, read from /proc (its socket inodes matched
 * against /proc/net/udp and udp6): how a test learns the port a child chose with port 0,
 * without a free-port guess that another process may take before the child binds it.
 * Only sockets with no fixed peer count (a connect()ed probe socket is not a listener).
 */
export function boundUdpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports = new Set<number>();
  // The namespace's own tables: a child in `ip netns exec` sees its namespace's, and so do we through its pid.
  for (const table of ['udp', 'udp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const remotePort = parseInt(f[2]!.split(':')[1]!, 16);
      if (remotePort !== 0) continue;
      ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports];
}
