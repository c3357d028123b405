import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveSettings } from '../../src/station/cli.js';
import { saveSettings, loadSettingsFile, SettingsError } from '../../src/station/settings.js';

test('flags override the settings file, which overrides the defaults', () => {
  const d = mkdtempSync(path.join(tmpdir(), 'opv-set-'));
  const file = path.join(d, 'station.json');
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example', jitterFrames: 3, ptt: { timeoutS: 60 } }));
  const s = resolveSettings(undefined, { config: file, audio: true, tui: true, port: 40000 });
  assert.equal(s.callsign, 'W1ABC');
  assert.equal(s.server, 'club.example');
  assert.equal(s.port, 40000);
  assert.equal(s.jitterFrames, 3);
  assert.equal(s.ptt.timeoutS, 60);
  assert.equal(s.ptt.key, 'C-t');
  const t = resolveSettings('ve3xyz', { config: file, audio: false, tui: true, ip: '10.0.0.1', jitter: 4 });
  assert.equal(t.callsign, 'VE3XYZ');
  assert.equal(t.server, '10.0.0.1');
  assert.equal(t.jitterFrames, 4);
  assert.deepEqual(t.audioIn, { kind: 'none' });
  const saved = saveSettings(t, path.join(d, 'saved.json'));
  assert.equal(loadSettingsFile(saved).jitterFrames, 4);
  writeFileSync(file, '{ not json');
  assert.throws(() => resolveSettings('W1ABC', { config: file, audio: true, tui: true, ip: 'x' }), SettingsError);
});

test('speech settings: file keys, flags over them, and only booleans accepted', () => {
  const d = mkdtempSync(path.join(tmpdir(), 'opv-set-speech-'));
  const file = path.join(d, 'station.json');
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example', speakChat: true, courtesyTone: false }));
  const s = resolveSettings(undefined, { config: file, audio: true, tui: true });
  assert.equal(s.speakChat, true);
  assert.equal(s.courtesyTone, false);
  assert.equal(s.chatCue, true, 'cues on by default');
  const t = resolveSettings(undefined, { config: file, audio: true, tui: true, speakChat: false, chatCue: false, courtesyTone: true });
  assert.deepEqual([t.speakChat, t.chatCue, t.courtesyTone], [false, false, true]);
  writeFileSync(file, JSON.stringify({ callsign: 'W1ABC', server: 'club.example', speakChat: 'yes' }));
  assert.throws(() => resolveSettings(undefined, { config: file, audio: true, tui: true }), /speakChat must be true or false/);
});
