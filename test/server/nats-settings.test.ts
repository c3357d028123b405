import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../../src/server/config.js';
import { natsUrlsFlag, parseNatsServers } from '../../src/server/nats-settings.js';

test('one validator: the flag and the interlink accept the same URLs', () => {
  for (const ok of ['nats://127.0.0.1:4222', 'tls://hub.example:4222', 'hub:4222', 'nats://[::1]:4222', 'nats://u:p@h:1', 'TLS://h']) {
    assert.deepEqual(natsUrlsFlag(ok), [ok]);
    assert.doesNotThrow(() => parseNatsServers([ok]));
  }
  assert.deepEqual(natsUrlsFlag(' nats://a:1 , nats://b:2 '), ['nats://a:1', 'nats://b:2']);
  assert.deepEqual(parseNatsServers(['TLS://h']).servers, ['tls://h']);
});

test('one validator: ws://, wss://, other schemes, bad ports and shapes are refused by both, in one line', () => {
  const bad: [string, RegExp][] = [
    ['ws://h:8080', /NATS over WebSocket \(ws:\/\/\) is not supported/],
    ['wss://h:443', /NATS over WebSocket \(wss:\/\/\)/],
    ['http://x', /is not a NATS URL: unknown scheme http/],
    ['nats://h:99999', /is not host:port/],
    ['nats://h:0', /is not host:port/],
    ['nats://h:port', /is not host:port/],
    ['nats://a@b@c', /is not a NATS URL/],
    ['nats://%zz@h:1', /not valid percent-encoding/],
  ];
  for (const [url, re] of bad) {
    assert.throws(() => parseNatsServers([url]), (e: unknown) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'), url);
    assert.throws(() => natsUrlsFlag(url), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message), url);
  }
  assert.throws(() => natsUrlsFlag(' , '), /at least one URL/);
});

test('credentials never appear in a refusal', () => {
  assert.throws(() => parseNatsServers(['ws://user:hunter2@h:1']), (e: Error) => !e.message.includes('hunter2') && e.message.includes('***@'));
  assert.throws(() => natsUrlsFlag('http://tok3n@h'), (e: Error) => !e.message.includes('tok3n'));
});
