import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultStateDir, Holds } from '../../src/server/holds.js';
import { localIsoTime, wantsTimestamps } from '../../src/server/log-time.js';
import { OperatorLog } from '../../src/server/log.js';

test('bans persist in the state directory; unban persists; kicks expire', () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'opv-holds-')), 'state');
  const h = new Holds(dir);
  assert.equal(h.check('W1ABC', 0), null);
  assert.equal(h.ban('W1ABC', 1000), true);
  assert.equal(h.ban('W1ABC', 2000), false, 'already banned');
  assert.deepEqual(h.check('W1ABC', 5000), { reason: 'banned', until: null });
  assert.deepEqual(new Holds(dir).list(), [{ callsign: 'W1ABC', since: 1000 }], 'a new server reads the ban');
  assert.equal(h.unban('W1ABC'), true);
  assert.equal(h.unban('W1ABC'), false);
  assert.deepEqual(new Holds(dir).list(), []);
  h.kick('VE3XYZ', 60_000);
  assert.deepEqual(h.check('VE3XYZ', 59_999), { reason: 'kicked', until: 60_000 });
  assert.equal(h.check('VE3XYZ', 60_000), null);
  assert.equal(new Holds(dir).check('VE3XYZ', 0), null, 'a kick is not persisted');
});

test('a damaged ban list is a one-line error, not an empty list', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-holds-'));
  writeFileSync(path.join(dir, 'bans.json'), '{"bans": [');
  assert.throws(() => new Holds(dir), /bans\.json is not valid JSON .*fix or remove it/);
  writeFileSync(path.join(dir, 'bans.json'), '{"bans": [{"callsign": "NOT VALID!"}]}');
  assert.throws(() => new Holds(dir), /bans\.json: bad ban list: bans\[0\]: is not a callsign/);
  assert.equal(readFileSync(path.join(dir, 'bans.json'), 'utf8'), '{"bans": [{"callsign": "NOT VALID!"}]}', 'left untouched');
});

test('state directory: $STATE_DIRECTORY (systemd), else XDG_STATE_HOME, else ~/.local/state/opv', () => {
  assert.equal(defaultStateDir({ STATE_DIRECTORY: '/var/lib/opv:/other' }), '/var/lib/opv');
  assert.equal(defaultStateDir({ XDG_STATE_HOME: '/x/state' }), '/x/state/opv');
  assert.match(defaultStateDir({}), /\.local\/state\/opv$/);
});

test('human log lines carry an ISO 8601 local timestamp, except under journald', () => {
  assert.match(localIsoTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))), /^2026-01-0[12]T\d\d:\d4:05\.006[+-]\d\d:\d\d$/);
  assert.equal(wantsTimestamps({}), true);
  assert.equal(wantsTimestamps({ JOURNAL_STREAM: '8:12345' }), false);
  const lines: string[] = [];
  const saved = process.env.JOURNAL_STREAM;
  delete process.env.JOURNAL_STREAM;
  new OperatorLog('human', false, (l) => lines.push(l)).ready();
  process.env.JOURNAL_STREAM = '8:1';
  new OperatorLog('human', false, (l) => lines.push(l)).ready();
  if (saved === undefined) delete process.env.JOURNAL_STREAM;
  else process.env.JOURNAL_STREAM = saved;
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d 🚀 Server ready for connections$/);
  assert.equal(lines[1], '🚀 Server ready for connections');
});
