import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFatal, EXIT_FAILURE, EXIT_SOFTWARE, isOpvError, loadCommand, missingPackage, OPV_ERROR_CODES, OpvError } from '../src/errors.js';
import { CommandError } from '../src/station/commands/types.js';
import { invokedCommand } from '../src/cli.js';
import { ConfigError } from '../src/server/config.js';
import { StatsClientError } from '../src/admin/client.js';
import { CallsignError, encodeCallsign } from '../src/protocol/index.js';
import { WavFormatError } from '../src/audio/wav-format.js';
import { AudioDeviceError } from '../src/audio/types.js';
import { SettingsError } from '../src/station/settings.js';
import { HistoryError } from '../src/station/history.js';
import { LinkError } from '../src/station/link.js';
import { OpusPacketSizeError } from '../src/station/voice/encoder.js';
import { ExportFormatError } from '../src/station/voice/files.js';
import { GpioError } from '../src/station/ptt/gpio.js';
import { ExportError } from '../src/station/exports.js';
import { SpeechRenderError, SpeechUnavailable } from '../src/station/speech/espeak.js';
import { HttpError } from '../src/server/stats-http.js';

test('every error opv raises on purpose is an OpvError with its own stable code, and keeps its name', () => {
  const errors: [Error, string, string][] = [
    [new ConfigError('x'), 'ConfigError', 'OPV_CONFIG'],
    [new StatsClientError('unreachable', 'x'), 'StatsClientError', 'OPV_STATS_CLIENT'],
    [new WavFormatError('x'), 'WavFormatError', 'OPV_WAV_FORMAT'],
    [new AudioDeviceError('x'), 'AudioDeviceError', 'OPV_AUDIO_DEVICE'],
    [new SettingsError('x'), 'SettingsError', 'OPV_SETTINGS'],
    [new CommandError('x'), 'CommandError', 'OPV_COMMAND'],
    [new HistoryError('x'), 'HistoryError', 'OPV_HISTORY'],
    [new LinkError('x'), 'LinkError', 'OPV_LINK'],
    [new OpusPacketSizeError('x'), 'OpusPacketSizeError', 'OPV_OPUS_PACKET_SIZE'],
    [new ExportFormatError('x'), 'ExportFormatError', 'OPV_EXPORT_FORMAT'],
    [new GpioError('x'), 'GpioError', 'OPV_GPIO'],
    [new ExportError('x'), 'ExportError', 'OPV_EXPORT'],
    [new SpeechUnavailable('x'), 'SpeechUnavailable', 'OPV_SPEECH_UNAVAILABLE'],
    [new SpeechRenderError('x'), 'SpeechRenderError', 'OPV_SPEECH_RENDER'],
    [new HttpError(400, 'x'), 'HttpError', 'OPV_HTTP_REQUEST'],
  ];
  for (const [e, name, code] of errors) {
    assert.ok(e instanceof OpvError && isOpvError(e), name);
    assert.equal(e.name, name);
    assert.equal(e.code, code);
    assert.ok((OPV_ERROR_CODES as readonly string[]).includes(code));
  }
  assert.equal(new Set(errors.map(([, , c]) => c)).size, errors.length, 'codes are distinct');
  // Every code in the list is raised by one of these classes or by errors.ts itself
  // (OPV_MISSING_MODULE from loadCommand) or the command line (OPV_BAD_FLAG, OPV_NO_TERMINAL):
  // a code nothing raises is dead weight in the contract.
  const raised = new Set([...errors.map(([, , c]) => c), 'OPV_MISSING_MODULE', 'OPV_BAD_FLAG', 'OPV_NO_TERMINAL']);
  assert.deepEqual([...OPV_ERROR_CODES].filter((c) => !raised.has(c)), [], 'every code is raised somewhere');
  // The protocol floor imports nothing of ours, errors.ts included: its throwing helpers
  // throw its own CallsignError, which is not an OpvError (input from a person goes
  // through the try* helpers and is refused in the caller's own words).
  assert.throws(() => encodeCallsign('W1_AB'), (e: unknown) => e instanceof CallsignError && !isOpvError(e) && e.reason === 'bad_character');
});

test('describeFatal: expected errors are one line and status 1, anything else a stack and status 70', () => {
  const expected = describeFatal(new SettingsError('/x/station.json: port must be a whole number between 1 and 65535 (got "abc")'));
  assert.equal(expected.status, EXIT_FAILURE);
  assert.equal(expected.text, 'opv: /x/station.json: port must be a whole number between 1 and 65535 (got "abc")\n');
  // A message that spans lines is still printed as one.
  assert.equal(describeFatal(new OpvError('OPV_CONFIG', 'first\n  second')).text, 'opv: first second\n');

  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/nope'"), { code: 'ENOENT', syscall: 'open', errno: -2 });
  assert.deepEqual(describeFatal(enoent), { text: "opv: ENOENT: no such file or directory, open '/nope'\n", status: EXIT_FAILURE });

  const bug = describeFatal(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.equal(bug.status, EXIT_SOFTWARE);
  assert.match(bug.text, /^opv: internal error\nTypeError: Cannot read properties of undefined \(reading 'x'\)\n\s+at /);
  assert.match(bug.text, /please report it/);
  assert.equal(describeFatal('a string').status, EXIT_SOFTWARE);
  // A code alone does not make an error expected: only a failed system call does.
  assert.equal(describeFatal(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })).status, EXIT_SOFTWARE);
});

test('missingPackage names the package an import could not find, and nothing else', () => {
  const esm = (msg: string): Error => Object.assign(new Error(msg), { code: 'ERR_MODULE_NOT_FOUND' });
  const cjs = (msg: string): Error => Object.assign(new Error(msg), { code: 'MODULE_NOT_FOUND' });
  assert.equal(missingPackage(esm("Cannot find package 'blessed' imported from /opt/opv/dist/src/admin/dashboard.js")), 'blessed');
  assert.equal(missingPackage(esm("Cannot find package '@discordjs/opus' imported from /opt/opv/dist/src/x.js")), '@discordjs/opus');
  assert.equal(missingPackage(esm("Cannot find package '/opt/opv/node_modules/blessed/index.js' imported from /x.js")), 'blessed');
  assert.equal(missingPackage(cjs("Cannot find module 'mic'\nRequire stack:\n- /opt/opv/dist/src/audio/alsa.js")), 'mic');
  assert.equal(missingPackage(cjs("Cannot find module '/opt/opv/node_modules/@discordjs/opus/prebuild/node-v115/opus.node'")), '@discordjs/opus');
  // opv's own files missing is a broken install: a bug, not a package to name.
  assert.equal(missingPackage(esm("Cannot find module '/opt/opv/dist/src/station/engine.js' imported from /opt/opv/dist/src/station/cli.js")), null);
  assert.equal(missingPackage(cjs("Cannot find module './local'")), null);
  assert.equal(missingPackage(new Error("Cannot find package 'blessed'")), null, 'no module-not-found code');
  assert.equal(missingPackage('nope'), null);
});

test('loadCommand turns a missing package into one OPV_MISSING_MODULE line and passes other failures through', async () => {
  const missing = Object.assign(new Error("Cannot find package 'blessed' imported from /x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  await assert.rejects(
    loadCommand('admin', () => Promise.reject(missing)),
    (e: unknown) => isOpvError(e) && e.code === 'OPV_MISSING_MODULE' && /^opv admin needs the package blessed, which is not installed/.test(e.message) && e.cause === missing,
  );
  const other = new TypeError('boom');
  await assert.rejects(loadCommand('admin', () => Promise.reject(other)), (e: unknown) => e === other);
  assert.equal(await loadCommand('admin', () => Promise.resolve(7)), 7);
});

test('invokedCommand: the subcommand opv will run, so only its code is loaded', () => {
  const argv = (...a: string[]): string[] => ['node', 'opv', ...a];
  assert.equal(invokedCommand(argv('server', '-p', '57372')), 'server');
  assert.equal(invokedCommand(argv('--help')), null);
  assert.equal(invokedCommand(argv()), null);
  assert.equal(invokedCommand(argv('help', 'station')), 'station');
  assert.equal(invokedCommand(argv('help')), null);
  assert.equal(invokedCommand(argv('-V')), null);
  assert.equal(invokedCommand(argv('admin', '--once')), 'admin');
});
