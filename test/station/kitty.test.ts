import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterKitty, kittyKeyFor, legacyBytes } from '../../src/station/ptt/kitty.js';

test('the support reply and key events are taken out of the input; text passes through', () => {
  const r = filterKitty('hi\x1b[?1u there');
  assert.equal(r.supported, true);
  assert.equal(r.rest, 'hi there');
  const k = filterKitty('a\x1b[116;5u\x1b[116;5:2u\x1b[116;5:3ub\x1b[97;1:3u\r');
  assert.equal(k.rest, 'ab\r');
  assert.deepEqual(k.keys, [
    { code: 116, mods: 4, event: 'press' },
    { code: 116, mods: 4, event: 'repeat' },
    { code: 116, mods: 4, event: 'release' },
    { code: 97, mods: 0, event: 'release' },
  ]);
  assert.equal(filterKitty('\x1b[A\x1b[15~').rest, '\x1b[A\x1b[15~', 'other sequences are left to the key parser');
});

test('PTT key names map to kitty codes, and ordinary keys back to legacy bytes', () => {
  assert.deepEqual(kittyKeyFor('C-t'), { code: 116, mods: 4 });
  assert.deepEqual(kittyKeyFor('space'), { code: 32, mods: 0 });
  assert.equal(kittyKeyFor('f5'), null);
  assert.equal(legacyBytes({ code: 99, mods: 4, event: 'press' }), '\x03');
  assert.equal(legacyBytes({ code: 27, mods: 0, event: 'press' }), '\x1b');
  assert.equal(legacyBytes({ code: 99, mods: 4, event: 'release' }), '');
});

test('legacy-form keys with event types: releases vanish, repeats and presses become plain legacy bytes', () => {
  // Up arrow press (explicit event 1), repeat, release; Ctrl+Right repeat; F5 release; Delete repeat.
  const r = filterKitty('\x1b[1;1:1A\x1b[1;1:2A\x1b[1;1:3A\x1b[1;5:2C\x1b[15;1:3~\x1b[3;1:2~x');
  assert.equal(r.rest, '\x1b[A\x1b[A\x1b[1;5C\x1b[3~x');
  assert.deepEqual(r.keys, []);
  assert.equal(legacyBytes({ code: 120, mods: 2, event: 'press' }), '\x1bx', 'Alt+x as a legacy terminal sends it');
});
