import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEFAULT_STATION_SETTINGS,
  loadSettingsFile,
  saveSettings,
  SettingsError,
  SETTING_RANGES,
  stationSettingsSchema,
} from '../../src/station/settings.js';
import { inRange } from '../../src/util/cli-parse.js';
import { isOpvError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'opv-schema-'));
let n = 0;
function fileWith(text: string): string {
  const f = path.join(dir, `station-${n++}.json`);
  writeFileSync(f, text);
  return f;
}

test('the settings file is checked: each fault is one line naming the file, the key and what is allowed', () => {
  const cases: [string, RegExp][] = [
    ['{"ptt":{"timeoutS":-1}}', /: ptt\.timeoutS must be a number between 1 and 3600 \(got -1\)$/],
    ['{"port":"abc"}', /: port must be a whole number between 1 and 65535 \(got "abc"\)$/],
    ['{"port":70000}', /: port must be a whole number between 1 and 65535 \(got 70000\)$/],
    ['{"keepaliveIntervalS":0}', /: keepaliveIntervalS must be a number between 1 and 60 \(got 0\)$/],
    ['{"jitterFrames":2.5}', /: jitterFrames must be a whole number between 1 and 25 \(got 2\.5\)$/],
    ['{"colour":"red"}', /: unknown key colour$/],
    ['{"ptt":{"colour":"red"}}', /: unknown key ptt\.colour$/],
    ['{"ptt":{"mode":"sometimes"}}', /: ptt\.mode must be one of auto, toggle, hold \(got "sometimes"\)$/],
    ['{"audioIn":{"kind":"pulse"}}', /: audioIn must be an object whose "kind" is "alsa", "wav" \(with "file"\) or "none" \(got \{"kind":"pulse"\}\)$/],
    ['{"audioOut":{"kind":"wav"}}', /: audioOut\.file must be a non-empty string \(missing\)$/],
    ['{"callsign":"W1_AB"}', /: callsign: callsign "W1_AB" contains "_"/],
    ['{"server":""}', /: server must be a non-empty string \(got ""\)$/],
    ['{"frameTags":"maybe"}', /: frameTags must be "on" or "off" \(got "maybe"\)$/],
    ['{"port":0,"jitterFrames":0}', /: port must be .* \(and 1 more problem\)$/],
    ['{ not json', /: not valid JSON \(/],
    ['[1]', /: must be a JSON object of settings$/],
  ];
  for (const [text, re] of cases) {
    const f = fileWith(text);
    assert.throws(
      () => loadSettingsFile(f),
      (e: unknown) => {
        assert.ok(e instanceof SettingsError, String(e));
        assert.ok(isOpvError(e) && e.code === 'OPV_SETTINGS');
        assert.ok(e.message.startsWith(`${f}: `), e.message);
        assert.doesNotMatch(e.message, /\n/);
        assert.match(e.message, re, text);
        return true;
      },
      text,
    );
  }
});

test('a good file loads as written; the defaults and a saved file pass the same schema', () => {
  const f = fileWith('{"server":"club.example","port":57372,"audioOut":{"kind":"alsa","device":"hw:0"},"ptt":{"timeoutS":60,"gpio":null}}');
  assert.deepEqual(loadSettingsFile(f), { server: 'club.example', port: 57372, audioOut: { kind: 'alsa', device: 'hw:0' }, ptt: { timeoutS: 60, gpio: null } });
  const full = { ...DEFAULT_STATION_SETTINGS, callsign: 'W1ABC', server: 'club.example', dataDir: dir };
  assert.equal(stationSettingsSchema.safeParse(full).success, true, 'the defaults are within the ranges');
  const saved = saveSettings(full, path.join(dir, 'saved.json'));
  assert.deepEqual(loadSettingsFile(saved), full);
  assert.deepEqual(loadSettingsFile(path.join(dir, 'absent.json')), {});
});

test('the flags use the same ranges as the file', () => {
  for (const r of Object.values(SETTING_RANGES)) {
    const parse = inRange('--x', r);
    assert.equal(parse(String(r.min)), r.min);
    assert.equal(parse(String(r.max)), r.max);
    assert.throws(() => parse(String(r.max + 1)), new RegExp(`between ${r.min} and ${r.max}`));
    if (r.min > 0) assert.throws(() => parse(String(r.min - 1)));
    if (r.integer) assert.throws(() => parse(`${r.min}.5`), /whole number/);
    assert.throws(() => parse('abc'));
  }
});
