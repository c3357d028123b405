import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellWidth, layoutWidth, padCells, truncateCells, wrapCells } from '../../src/util/cell-width.js';

test('cell widths as tmux, screen and xterm advance the cursor (measured in tmux 3.3a)', () => {
  for (const [s, w] of [
    ['W1ABC', 5],
    ['📡', 2],
    ['✅', 2],
    ['日本', 4],
    ['🎙', 1],
    ['❤️', 1],
    ['🇺🇸', 2],
    ['é', 1],
    ['e\u0301', 1],
    ['␛[2J', 4],
  ] as const) {
    assert.equal(cellWidth(s), w, s);
  }
  // For fitting lines, a zero-width character still costs a column (blessed counts it).
  assert.equal(layoutWidth('❤️'), 2);
});

test('wrapping never exceeds the width, prefers spaces, and loses nothing', () => {
  const text = 'wide 📡 🇺🇸 🇩🇪 日本語テキスト ❤️ 🎙 ✅ end ' + 'x'.repeat(70);
  for (const width of [10, 23, 54, 80]) {
    const lines = wrapCells(text, width);
    for (const l of lines) assert.ok(layoutWidth(l) <= width, `${JSON.stringify(l)} at ${width}`);
    assert.equal(lines.join('').replace(/ /g, ''), text.replace(/ /g, ''));
  }
  assert.deepEqual(wrapCells('hello wide world', 12), ['hello wide', 'world']);
  assert.equal(truncateCells('日本語テキスト', 5), '日本');
  assert.equal(padCells('📡', 4), '📡  ');
});
