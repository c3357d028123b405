import { execFileSync } from 'node:child_process';

/** One simulated host: a network namespace with an address on the test subnet. */
export interface TestHost {
  name: string;
  ns: string;
  ip: string;
}

export interface TestNet {
  hosts: Record<string, TestHost>;
  close(): void;
}

let counter = 0;
const open = new Set<TestNet>();
process.on('exit', () => {
  for (const n of open) n.close();
});

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** True when namespaces can be made here (root and iproute2), as in CI. */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `opvp${process.pid % 100000}`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Hosts on one private /24, joined by a bridge in a hub namespace, so traffic between
 * them never touches a real interface. Names are unique per process and call.
 */
export function createTestNet(names: string[], opts: { lossPercent?: number; delayMs?: number } = {}): TestNet {
  const id = `${process.pid % 10000}${counter++}`;
  const subnet = `10.${200 + (counter % 50)}.${process.pid % 250}`;
  const hub = `opvh${id}`;
  const created: string[] = [];
  const hosts: Record<string, TestHost> = {};
  const net: TestNet = {
    hosts,
    close() {
      for (const ns of created) {
        try {
          ip(['netns', 'del', ns]);
        } catch {
          /* already gone */
        }
      }
      created.length = 0;
      open.delete(net);
    },
  };
  open.add(net);
  try {
    ip(['netns', 'add', hub]);
    created.push(hub);
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    names.forEach((name, i) => {
      const ns = `opv${id}${name}`.slice(0, 15);
      ip(['netns', 'add', ns]);
      created.push(ns);
      const addr = `${subnet}.${i + 1}`;
      ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', hub]);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'master', 'br0']);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'up']);
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      if (opts.lossPercent || opts.delayMs) {
        const args = ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem'];
        if (opts.delayMs) args.push('delay', `${opts.delayMs}ms`);
        if (opts.lossPercent) args.push('loss', `${opts.lossPercent}%`);
        execFileSync('ip', args);
      }
      hosts[name] = { name, ns, ip: addr };
    });
  } catch (e) {
    net.close();
    throw e;
  }
  return net;
}
