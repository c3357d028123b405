import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { DEFAULT_UDP_RCVBUF_BYTES, grantShortfall, parseProcNetUdp, parseSnmpUdp, SocketWatch, sizeBuffers, type ProcSource } from '../../src/server/socket-stats.js';

const UDP_HEAD = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
const row = (sl: number, port: number, inode: number, drops: number): string =>
  `  ${sl}: 00000000:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 ${inode} 2 0000000000000000 ${drops}\n`;
const snmp = (rcv: number, snd: number): string =>
  `Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\nUdp: 100 0 ${rcv} 100 ${rcv} ${snd} 0 0 0\nUdpLite: InDatagrams\nUdpLite: 0\n`;

class FakeProc implements ProcSource {
  files = new Map<string, string>();
  inodes = new Set<number>();
  read = async (f: string): Promise<string> => {
    const t = this.files.get(f);
    if (t === undefined) throw new Error('ENOENT');
    return t;
  };
  socketInodes = async (): Promise<Set<number>> => this.inodes;
}

test('parses /proc/net/udp rows (port, inode, drops) and the snmp Udp counters', () => {
  const rows = parseProcNetUdp(UDP_HEAD + row(0, 57372, 555, 7) + 'garbage line\n' + row(1, 53, 9, 0));
  assert.deepEqual(rows, [
    { port: 57372, inode: 555, drops: 7 },
    { port: 53, inode: 9, drops: 0 },
  ]);
  const s = parseSnmpUdp(snmp(3, 4));
  assert.equal(s.get('RcvbufErrors'), 3);
  assert.equal(s.get('SndbufErrors'), 4);
});

test("the watch sums the drops of this process's sockets on the relay's ports only, and counts send errors from start", async () => {
  const p = new FakeProc();
  p.inodes = new Set([555, 556]);
  // 777 is another process's socket on the same port (another address): not ours.
  p.files.set('/proc/net/udp', UDP_HEAD + row(0, 57372, 555, 2) + row(1, 57372, 777, 1000));
  p.files.set('/proc/net/udp6', UDP_HEAD + row(0, 57373, 556, 1));
  p.files.set('/proc/net/snmp', snmp(50, 10));
  const w = new SocketWatch(() => [57372, 57373], { askedRcvBytes: 1, askedSndBytes: 1, rcvbufBytes: 8, sndbufBytes: 9 }, p);
  assert.equal(await w.start(), true);
  p.files.set('/proc/net/udp', UDP_HEAD + row(0, 57372, 555, 40) + row(1, 57372, 777, 5000));
  p.files.set('/proc/net/snmp', snmp(90, 13));
  assert.deepEqual(await w.read(), { rcvbuf_bytes: 8, sndbuf_bytes: 9, kernel_rcvbuf_errors: 41, kernel_sndbuf_errors: 3 });
});

test('without /proc the counters are unknown (null), never made up', async () => {
  const w = new SocketWatch(() => [1], { askedRcvBytes: 1, askedSndBytes: 1, rcvbufBytes: 1, sndbufBytes: 1 }, new FakeProc());
  assert.equal(await w.start(), false);
  assert.equal(await w.read(), null);
});

test('without a per-socket row the receive drops fall back to the namespace counter, from start', async () => {
  const p = new FakeProc();
  p.files.set('/proc/net/udp', UDP_HEAD);
  p.files.set('/proc/net/snmp', snmp(50, 0));
  const w = new SocketWatch(() => [1], { askedRcvBytes: 1, askedSndBytes: 1, rcvbufBytes: 1, sndbufBytes: 1 }, p);
  await w.start();
  p.files.set('/proc/net/snmp', snmp(57, 0));
  assert.equal((await w.read())!.kernel_rcvbuf_errors, 7);
});

test('the buffers granted are read back from a real socket; a shortfall is said in words', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    const g = sizeBuffers(s, 1 << 30, 1 << 30);
    assert.ok(g.rcvbufBytes > 0 && g.rcvbufBytes < 2 * (1 << 30), 'capped by net.core.rmem_max');
    assert.match(grantShortfall(g) ?? '', /smaller than asked: receive \d+ of 1073741824 asked \(net\.core\.rmem_max caps it\).*SO_RCVBUFFORCE/);
    assert.equal(grantShortfall({ askedRcvBytes: 100, askedSndBytes: 100, rcvbufBytes: 200, sndbufBytes: 200 }), null, 'Linux reports double: 200 for 100 is the full grant');
  } finally {
    s.close();
  }
});

test('receive and send buffers are sized apart: the small default receive buffer is granted as asked beside a large send buffer', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    const g = sizeBuffers(s, DEFAULT_UDP_RCVBUF_BYTES, 1 << 20);
    assert.equal(g.rcvbufBytes, 2 * DEFAULT_UDP_RCVBUF_BYTES, 'Linux stores twice the request');
    assert.ok(g.sndbufBytes > g.rcvbufBytes, `send ${g.sndbufBytes} sized on its own`);
    assert.equal(grantShortfall({ ...g, askedSndBytes: 1 << 30, sndbufBytes: 4096 }), 'UDP buffers smaller than asked: send 4096 of 1073741824 asked (net.core.wmem_max caps it), in bytes; raise the sysctl (Node cannot use SO_RCVBUFFORCE, even as root)');
  } finally {
    s.close();
  }
});

test("a real relay-like socket's drops are read from /proc/net/udp when the kernel drops", async (t) => {
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const tx = createSocket('udp4');
  try {
    rx.setRecvBufferSize(4096);
    const w = new SocketWatch(() => [rx.address().port], { askedRcvBytes: 4096, askedSndBytes: 4096, rcvbufBytes: rx.getRecvBufferSize(), sndbufBytes: rx.getSendBufferSize() });
    if (!(await w.start())) {
      t.skip('no /proc/net/udp on this system');
      return;
    }
    // Sent in one synchronous burst: the receiver cannot read in between, so its small buffer overflows.
    const frame = Buffer.alloc(134);
    for (let i = 0; i < 400; i++) tx.send(frame, rx.address().port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    const s = await w.read();
    assert.ok(s !== null && s.kernel_rcvbuf_errors > 0, `drops seen: ${JSON.stringify(s)}`);
  } finally {
    rx.close();
    tx.close();
  }
});
