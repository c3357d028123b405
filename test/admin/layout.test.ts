import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRAPH_MIN_COLS, GRAPH_MIN_ROWS, LOG_MIN_ROWS, TABLE_MIN_ROWS, WIDE_FROM, planLayout, type Layout, type Rect } from '../../src/admin/layout.js';

/** Every panel inside the area, none overlapping another. */
function assertTiles(l: Layout, cols: number, rows: number): void {
  const rects = [l.table, l.figures, l.log, l.traffic, l.errors].filter((r): r is Rect => r !== null);
  for (const r of rects) {
    assert.ok(r.left >= 0 && r.top >= 0 && r.left + r.width <= cols && r.top + r.height <= rows, `${JSON.stringify(r)} outside ${cols}×${rows}`);
    assert.ok(r.width > 0 && r.height > 0, JSON.stringify(r));
  }
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i]!;
      const b = rects[j]!;
      const apart = a.left + a.width <= b.left || b.left + b.width <= a.left || a.top + a.height <= b.top || b.top + b.height <= a.top;
      assert.ok(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`);
    }
  }
  const used = rects.reduce((n, r) => n + r.width * r.height, 0);
  assert.equal(used, cols * rows, 'the panels fill the area');
}

// The terminal sizes the console is tried at, less the two status lines.
const SIZES: [number, number][] = [
  [80, 22],
  [100, 28],
  [132, 38],
  [132, 48],
  [160, 48],
];

test('every size: panels tile the area, the figures get what they need, table and events their minimum', () => {
  for (const [cols, rows] of SIZES) {
    for (const need of [7, 9, 14]) {
      const l = planLayout({ cols, rows, figureRows: () => need });
      assertTiles(l, cols, rows);
      // All they need, unless that would leave the table or the events less than their minimum.
      const room = rows - TABLE_MIN_ROWS - LOG_MIN_ROWS;
      assert.ok(l.figures.height >= Math.min(need, room), `${cols}×${rows}: figures ${l.figures.height} < ${need}`);
      assert.ok(l.table.height >= TABLE_MIN_ROWS, `${cols}×${rows}: table ${l.table.height}`);
      assert.ok(l.log.height >= LOG_MIN_ROWS, `${cols}×${rows}: log ${l.log.height}`);
    }
  }
});

test('graphs go before figures: none at 80×24, both with a real plot area where they fit', () => {
  const at = (cols: number, rows: number, need = 7): Layout => planLayout({ cols, rows, figureRows: () => need });
  assert.equal(at(80, 22).traffic, null);
  assert.equal(at(80, 22).errors, null);
  for (const [cols, rows] of SIZES.slice(1)) {
    const l = at(cols, rows);
    assert.ok(l.traffic && l.errors, `${cols}×${rows} has graphs`);
    for (const g of [l.traffic, l.errors]) {
      assert.ok(g.height >= GRAPH_MIN_ROWS && g.width >= GRAPH_MIN_COLS, `${cols}×${rows}: graph ${JSON.stringify(g)}`);
    }
  }
  // More figures (rooms, alerts) at 100×30: the graphs give way, the figures do not.
  const crowded = at(100, 28, 14);
  assert.equal(crowded.traffic, null);
  assert.equal(crowded.figures.height, 14);
  // Too narrow for two graphs side by side: none.
  assert.equal(at(79, 40).traffic, null);
});

test('breakpoints: side by side from WIDE_FROM columns, stacked below', () => {
  const f = { figureRows: () => 13 };
  assert.equal(planLayout({ cols: WIDE_FROM - 1, rows: 40, ...f }).name, 'stacked');
  const wide = planLayout({ cols: WIDE_FROM, rows: 40, ...f });
  assert.equal(wide.name, 'wide');
  assert.equal(wide.table.top, wide.figures.top);
  assert.equal(wide.table.left + wide.table.width, wide.figures.left);
  // A short wide terminal keeps the figures and drops the graphs.
  const short = planLayout({ cols: 160, rows: 20, ...f });
  assert.equal(short.traffic, null);
  assert.ok(short.figures.height >= 13);
  assertTiles(short, 160, 20);
});
