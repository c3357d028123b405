import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPttKey, keyName, PTT_KEYS_HELP } from '../../src/station/ptt/keys.js';
import { callsignForPath, chatExportText, defaultExportName, exportPath, exportsDir, writeErrorText } from '../../src/station/exports.js';
import { tryOperatorCallsign } from '../../src/protocol/index.js';
import { noticeText } from '../../src/station/notice-text.js';

test('PTT keys: Ctrl+letter and F3–F12 are accepted and normalised; the rest refused with the list', () => {
  assert.deepEqual(checkPttKey('C-t'), { ok: true, key: 'C-t' });
  assert.deepEqual(checkPttKey('ctrl+G'), { ok: true, key: 'C-g' });
  assert.deepEqual(checkPttKey('F5'), { ok: true, key: 'f5' });
  for (const bad of ['space', 'banana', 'C-c', 'C-u', 'F1', 'f13', 'a', '']) {
    const r = checkPttKey(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.error, /use C-t .* or F3–F12/);
  }
  // Keys the chat line edits with, or a terminal multiplexer's prefix: refused, with the reason.
  const reasons: [string, RegExp][] = [
    ['C-k', /C-k is the chat line's delete-to-end/],
    ['ctrl+b', /C-b is tmux's prefix key/],
    ['C-a', /C-a is .*GNU screen's prefix key/],
    ['C-f', /cursor right/],
    ['C-d', /delete/],
  ];
  for (const [key, why] of reasons) {
    const r = checkPttKey(key);
    assert.equal(r.ok, false, key);
    if (!r.ok) assert.match(r.error, why);
  }
  // Never suggested: a key that would be refused.
  for (const k of PTT_KEYS_HELP.match(/C-[a-z]/g) ?? []) assert.equal(checkPttKey(k).ok, true, `${k} is suggested and accepted`);
  // One notation everywhere.
  assert.equal(keyName('C-t'), 'C-t');
  assert.equal(keyName('ctrl+T'), 'C-t');
  assert.equal(keyName('f5'), 'F5');
  assert.equal(keyName('tab'), 'Tab');
});

test('exports: bare names in the XDG directory, absolute paths as given, callsigns made safe, errors in words', () => {
  const env = { XDG_DATA_HOME: '/data', HOME: '/home/op' };
  assert.equal(exportsDir(env), '/data/opv/exports');
  assert.equal(exportPath('x.wav', env), '/data/opv/exports/x.wav');
  assert.equal(exportPath('/tmp/x.wav', env), '/tmp/x.wav');
  assert.equal(exportPath('~/x.wav', env), '/home/op/x.wav');
  assert.equal(callsignForPath('W1ABC/P'), 'W1ABC_P');
  assert.equal(callsignForPath('..'), 'station__');
  assert.equal(defaultExportName({ id: 3, type: 'chat', direction: 'in', callsign: 'W1AW/M', at: 0, text: 'x' }), 'opv-W1AW_M-3.txt');
  assert.equal(chatExportText({ id: 3, type: 'chat', direction: 'in', callsign: 'W1AW', at: 0, text: 'a\x1b[2Jb\nc' }), '1970-01-01T00:00:00.000Z from W1AW: a␛[2Jb␤c\n');
  assert.equal(writeErrorText(Object.assign(new Error('ENOENT: x'), { code: 'ENOENT' }), '/x/y.wav'), 'cannot write /x/y.wav: the directory does not exist');
  assert.equal(writeErrorText(Object.assign(new Error('EROFS'), { code: 'EROFS' }), '/x'), 'cannot write /x: the file system is read-only');
});

test('operator callsigns need a letter or a digit; the device notices say what they mean', () => {
  assert.equal(tryOperatorCallsign('w1abc/p').ok, true);
  for (const bad of ['..', '-', '/', '.-.']) assert.match(String(!tryOperatorCallsign(bad).ok && (tryOperatorCallsign(bad) as { error: Error }).error.message), /must contain a letter or a digit/);
  assert.match((tryOperatorCallsign('W1ABCDEFGHIJ') as { error: Error }).error.message, /at most 9 characters/);
  assert.equal(noticeText({ level: 'warn', text: "no microphone (arecord: main:831: audio open error: No such file): chat works, PTT sends nothing" }), 'no microphone: chat works, PTT disabled');
  assert.equal(noticeText({ level: 'info', text: 'x\x1b]0;t\x07' }), 'x␛]0;t␇');
});
