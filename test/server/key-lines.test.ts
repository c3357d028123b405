import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthorizedKeys } from '../../src/server/authorized-keys.js';
import { parsePeers } from '../../src/server/peers.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

test('one line parser for both key files: same rules, each with its own names', () => {
  const text = `# comment\n\nW1ABC ed25519 ${KEY} home\n`;
  assert.equal(parseAuthorizedKeys(text, 'ak').get('W1ABC')?.[0]?.comment, 'home');
  assert.equal(parsePeers(`srv-a ed25519 ${KEY} hub\n`, 'p').get('srv-a')?.comment, 'hub');
  for (const [line, re] of [
    [`W1ABC rsa ${KEY}`, /:1: key type must be ed25519/],
    ['W1ABC ed25519', /:1: the public key is missing or not base64/],
    [`W1ABC ed25519 ${Buffer.alloc(16).toString('base64')}`, /:1: the public key must be 32 bytes/],
  ] as const) {
    assert.throws(() => parseAuthorizedKeys(line, 'ak'), re);
    assert.throws(() => parsePeers(line.replace('W1ABC', 'srv-a'), 'p'), (e: Error) => re.test(e.message) && e.message.startsWith('peers file p:1:'));
  }
  assert.throws(() => parsePeers(`-bad ed25519 ${KEY}`, 'p'), /peers file p:1: "-bad" is not a server id/);
  assert.throws(() => parseAuthorizedKeys(`\n..  ed25519 ${KEY}`, 'ak'), /ak:2: /);
});
