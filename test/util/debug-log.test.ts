import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseDebugNamespaces } from '../../src/util/debug-log.js';

test('--debug NAMESPACES: program-first names, opv: added, exclusions kept', () => {
  assert.equal(parseDebugNamespaces('server:relay,server:rooms'), 'opv:server:relay,opv:server:rooms');
  assert.equal(parseDebugNamespaces('server:*, -server:interlink'), 'opv:server:*,-opv:server:interlink');
  assert.equal(parseDebugNamespaces('opv:station:link'), 'opv:station:link');
  assert.equal(parseDebugNamespaces('-opv:admin:http,admin'), '-opv:admin:http,opv:admin');
  assert.equal(parseDebugNamespaces('*'), 'opv:*');
});

test('--debug NAMESPACES: a callsign or anything not a namespace list is one line', () => {
  for (const bad of ['W1ABC', 'w1abc', 'relay', 'server:Relay', '', ',', 'server relay', 'opv:', 'server:']) {
    assert.throws(
      () => parseDebugNamespaces(bad),
      (e: unknown) => e instanceof InvalidArgumentError && !e.message.includes('\n') && /a callsign goes before --debug/.test(e.message),
      bad,
    );
  }
});
