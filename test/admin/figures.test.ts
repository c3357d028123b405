import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSnapshot } from '../../src/admin/once.js';
import { DashboardModel } from '../../src/admin/model.js';
import { figurePanelLines, figurePanelRows } from '../../src/admin/panels/server-figures.js';
import { legendLabel } from '../../src/admin/panels/rate-chart.js';
import { confirmLines } from '../../src/admin/actions.js';
import { wrapText } from '../../src/admin/format.js';
import { layOut } from '../../src/admin/panels/status-bar.js';
import { linkedSnapshot, snapshot, station } from './fixtures.js';

const busy = snapshot({
  stations: [station('W1ABC', { talking: true })],
  frames_received: 1000,
  decode_errors: 10,
  timed_out_stations: 1,
  socket: { rcvbuf_bytes: 425984, sndbuf_bytes: 425984, kernel_rcvbuf_errors: 12, kernel_sndbuf_errors: 0 },
  alerts: [{ kind: 'stuck_ptt', subject: 'W1ABC', since_s: 65, message: 'W1ABC keyed for 190 s (limit 120 s)' }],
});

test('--once prints each figure once, the kernel drops and the alerts', () => {
  const text = formatSnapshot(busy, 'u');
  const labels = text.split('\n').map((l) => /^([A-Z][a-z]+(?: [a-z-]+)?)\s{2,}/.exec(l)?.[1]).filter((l): l is string => l !== undefined);
  assert.deepEqual(labels, [...new Set(labels)], `a label twice:\n${text}`);
  const decode = text.split('\n').find((l) => l.startsWith('Decode errors'))!;
  assert.equal(decode.match(/%/g)?.length, 1, decode);
  assert.match(text, /^Kernel drops +rcv 12 snd 0$/m);
  assert.match(text, /^Socket buffers +rcv 416 KiB snd 416 KiB$/m);
  assert.match(text, /^ALERT: W1ABC keyed for 190 s \(limit 120 s\) \(stuck_ptt W1ABC, for 1m05s\)$/m);
});

test('the figures panel fits its width at every layout: nothing longer than the panel, alerts and rooms included', () => {
  const m = new DashboardModel();
  m.update({ ...linkedSnapshot(), socket: busy.socket, alerts: busy.alerts }, 1000);
  for (const inner of [78, 98, 130, 60]) {
    const lines = figurePanelLines(m, inner).map((l) => l.replace(/\{\/?[a-z-]+\}/g, ''));
    // Figures and the rooms table fit; an alert's sentence may wrap (blessed wraps it), never cut.
    for (const l of lines.filter((x) => !x.startsWith('⚠') && !x.startsWith('Interlink') && !x.startsWith('  '))) assert.ok([...l].length <= inner, `${inner}: ${l}`);
    assert.doesNotMatch(lines.join('\n'), /…/);
    assert.ok(lines.some((l) => /^ROOM +HERE REMOTE/.test(l)), `${inner}: rooms header`);
    assert.ok(lines.some((l) => l.startsWith('⚠ W1ABC keyed')), `${inner}: the alert`);
    assert.ok(lines.some((l) => /Kernel drops/.test(l)), `${inner}: kernel drops`);
    assert.ok(figurePanelRows(m, inner + 2) >= lines.length + 2);
  }
});

test('a chart legend fits its top border or shrinks; a confirm question keeps its brackets on one line', () => {
  const lines = [
    { field: 'forwarded', title: 'forwarded', short: 'f', color: 'cyan' },
    { field: 'received', title: 'received', short: 'r', color: 'white' },
  ] as const;
  assert.equal(legendLabel('Traffic/s', [...lines], 40).text, 'Traffic/s: forwarded received');
  assert.equal(legendLabel('Traffic/s', [...lines], 20).text, 'Traffic/s: f r');
  assert.equal(legendLabel('Traffic/s', [...lines], 13).text, 'Traffic/s');
  assert.deepEqual(confirmLines('kick', 'W1ABC'), ['Kick W1ABC?', '(kept out for the kick hold-down)', '[y] yes   [n / Esc] no']);
  assert.equal(confirmLines('ban', 'K2REM', 'hub-b')[1], '(on hub-b: network-wide)');
});

test('status text wraps at spaces and is never cut', () => {
  assert.deepEqual(wrapText('Kick W1ABC refused: admin actions are disabled', 20), ['Kick W1ABC refused:', 'admin actions are', 'disabled']);
  assert.deepEqual(wrapText('x'.repeat(25), 10), ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  const rows = layOut([{ text: '⚠ 2 alerts', color: 'red' }, { text: 'CONNECTED: connected to http://127.0.0.1:57380', color: 'green' }], 40);
  assert.deepEqual(rows.map((r) => r.map((s) => s.text).join('')), ['⚠ 2 alerts', 'CONNECTED: connected to', 'http://127.0.0.1:57380']);
});
