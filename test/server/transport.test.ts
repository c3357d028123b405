import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { literalLookup, UdpTransport } from '../../src/server/transport.js';
import { makeEndpoint } from '../../src/server/endpoint.js';
import { Room } from '../../src/server/room.js';

test('an IP literal is answered in the same turn (no tick per send); a name still goes through the resolver', async () => {
  const got: [string, number][] = [];
  for (const ip of ['192.0.2.7', '::ffff:192.0.2.7', '2001:db8::1', '192.0.2.7']) literalLookup(ip, {}, (err, address, family) => {
    assert.equal(err, null);
    got.push([address, family]);
  });
  assert.deepEqual(got, [
    ['192.0.2.7', 4],
    ['::ffff:192.0.2.7', 6],
    ['2001:db8::1', 6],
    ['192.0.2.7', 4],
  ]);
  let sync = true;
  const name = await new Promise<string>((resolve, reject) => {
    literalLookup('localhost', { family: 4 }, (err, address) => (err ? reject(err) : resolve(address)));
    sync = false;
  });
  assert.equal(sync, false);
  assert.equal(name, '127.0.0.1');
});

test("the transport's send is on the wire before send() returns: a frame's fan-out never waits for another turn", async (t) => {
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
  const room = new Room('MAIN', 0);
  const tr = new UdpTransport('127.0.0.1', () => undefined, () => undefined);
  await tr.start([room], room);
  t.after(async () => {
    rx.close();
    await tr.close();
  });
  const port = rx.address().port;
  tr.send(Buffer.from('one'), makeEndpoint('127.0.0.1', port, 0));
  // Loopback delivers inside sendmsg: the receiver's queue (read synchronously, same turn) already holds it.
  assert.ok(rxQueued(port) > 0, 'the datagram was not sent within the turn');
  const got = await new Promise<string>((r) => rx.once('message', (b) => r(b.toString())));
  assert.equal(got, 'one');
});

/** Bytes waiting in the receive queue of the IPv4 UDP socket on `port` (/proc/net/udp's rx_queue). */
function rxQueued(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(':' + hex)) return parseInt(f[4]!.split(':')[1]!, 16);
  }
  return -1;
}
