import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_HELP, KEY_TABLE, footerText, helpGroups, helpLines, keysOf } from '../../src/admin/keys.js';

test('the footer lists every key when it fits, else the most important ones and "? help"', () => {
  const all = footerText(1000);
  for (const k of keysOf('main')) assert.ok(all.includes(`${k.short}`), `${k.short} in ${all}`);
  for (const width of [40, 60, 80, 100]) {
    const f = footerText(width);
    assert.ok([...f].length <= width, `${width}: ${f}`);
    assert.match(f, /^\?\/F1 help/, `${width}: ${f}`);
  }
  // At 80 columns: quit, kick, ban and announce are never the ones dropped.
  assert.match(footerText(80), /q quit {2}k kick {2}b ban {2}a announce/);
  assert.equal(footerText(80, 'confirm'), 'y yes  n/Esc no');
  assert.doesNotMatch(footerText(200, 'main', false), /announce|bans/, 'no ext keys without the ext client');
  assert.equal(KEY_HELP, all);
});

test('the help lists every key of every context, and fits 80×24 (two columns there)', () => {
  const text = helpLines(true, 24, 80).join('\n');
  for (const k of KEY_TABLE) assert.ok(text.includes(k.label), `"${k.label}" (${k.help}) in the help`);
  for (const g of helpGroups()) assert.ok(text.includes(g.title));
  const lines = helpLines(true, 24, 80);
  assert.ok(lines.length + 2 <= 24, `${lines.length} lines`);
  assert.ok(lines.every((l) => [...l].length + 4 <= 80), lines.join('\n'));
  // Tall enough: one column.
  assert.ok(helpLines(true, 100, 200).length > lines.length);
});

test('every key of the dashboard has an action, and no key is bound twice in one context', () => {
  for (const k of keysOf('main')) assert.ok(k.action, k.label);
  for (const context of ['main', 'confirm', 'bans', 'announce', 'help'] as const) {
    const seen = new Set<string>();
    for (const k of keysOf(context)) {
      for (const name of k.keys) {
        assert.ok(!seen.has(name), `${context}: ${name} twice`);
        seen.add(name);
      }
    }
  }
});
