import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inert, inertTagged, isInert } from '../../src/util/inert-text.js';

test('escape sequences, C0/C1 controls and newlines become visible characters', () => {
  const hostile = '\x1b[2J\x1b]0;pwned\x07\r📨 [W1AW]: QSY\nnext\u009b31m\x7f\t';
  const shown = inert(hostile);
  assert.equal(shown, '␛[2J␛]0;pwned␇␍📨 [W1AW]: QSY␤next\ufffd31m␡␉');
  assert.doesNotMatch(shown, /[\u0000-\u001f\u007f-\u009f]/);
  assert.equal(isInert(shown), true);
  assert.equal(isInert(hostile), false);
});

test('ordinary text, emoji, flags and CJK pass unchanged; bidi overrides do not', () => {
  for (const s of ['hello 73', 'QSL 📡 🇺🇸 🇩🇪', '日本語のテキスト', 'W1ABC/P']) assert.equal(inert(s), s);
  assert.equal(inert('abc\u202edcba\u2028x'), 'abc\ufffddcba␤x');
  assert.equal(inert('lone \ud800 surrogate'), 'lone \ufffd surrogate');
});

test('blessed tags in remote text are neither interpreted nor dropped', () => {
  assert.equal(inertTagged('{red-fg}x{/}\x1b'), '{open}red-fg{close}x{open}/{close}␛');
});
