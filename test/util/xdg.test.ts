import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configDir, dataDir, homeDir, runtimeDir, serviceStateDir, stateDir } from '../../src/util/xdg.js';
import { controlSocketPath } from '../../src/station/control/socket-path.js';
import { defaultStateDir } from '../../src/server/holds.js';
import { defaultDebugFile } from '../../src/util/debug-log.js';
import { dataDirFor } from '../../src/station/settings.js';
import { exportPath, exportsDir } from '../../src/station/exports.js';
import { defaultKeyFile } from '../../src/auth/key-file.js';

const HOME = '/home/op';

test('defaults sit under $HOME when no XDG variable is set', () => {
  const env = { HOME };
  assert.equal(homeDir(env), HOME);
  assert.equal(configDir(env), '/home/op/.config/opv');
  assert.equal(dataDir(env), '/home/op/.local/share/opv');
  assert.equal(stateDir(env), '/home/op/.local/state/opv');
  assert.equal(serviceStateDir(env), '/home/op/.local/state/opv');
  assert.equal(runtimeDir(env), null, 'no runtime directory outside a login session');
});

test('an absolute XDG variable wins; a relative one is invalid and ignored (XDG Base Directory spec)', () => {
  const env = { HOME, XDG_CONFIG_HOME: '/c', XDG_DATA_HOME: '/d', XDG_STATE_HOME: '/s' };
  assert.equal(configDir(env), '/c/opv');
  assert.equal(dataDir(env), '/d/opv');
  assert.equal(stateDir(env), '/s/opv');
  const rel = { HOME, XDG_CONFIG_HOME: 'c', XDG_DATA_HOME: './d', XDG_STATE_HOME: 's/x' };
  assert.equal(configDir(rel), '/home/op/.config/opv');
  assert.equal(dataDir(rel), '/home/op/.local/share/opv');
  assert.equal(stateDir(rel), '/home/op/.local/state/opv');
  assert.equal(runtimeDir({ HOME, XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/opv');
  assert.equal(runtimeDir({ HOME, XDG_RUNTIME_DIR: 'run' }), null);
});

test("systemd's $STATE_DIRECTORY (first of a list) is the service's state directory", () => {
  assert.equal(serviceStateDir({ HOME, XDG_STATE_HOME: '/s', STATE_DIRECTORY: '/var/lib/opv:/var/lib/other' }), '/var/lib/opv');
  assert.equal(serviceStateDir({ HOME, XDG_STATE_HOME: '/s', STATE_DIRECTORY: '' }), '/s/opv');
});

test('every directory opv keeps things in comes from the helper', () => {
  const env = { HOME, XDG_CONFIG_HOME: '/c', XDG_DATA_HOME: '/d', XDG_STATE_HOME: '/s' };
  assert.equal(defaultStateDir(env), '/s/opv');
  assert.equal(defaultStateDir({ ...env, STATE_DIRECTORY: '/var/lib/opv' }), '/var/lib/opv');
  assert.equal(defaultDebugFile('station', env), '/s/opv/station-debug.log');
  assert.equal(dataDirFor('W1ABC', env), '/d/opv/W1ABC');
  assert.equal(exportsDir(env), '/d/opv/exports');
  assert.equal(exportPath('~/x.wav', env), '/home/op/x.wav');
  assert.equal(defaultKeyFile('W1ABC', env), '/c/opv/keys/W1ABC.pem');
  assert.equal(controlSocketPath('W1ABC', env), '/c/opv/station-W1ABC.sock');
  assert.equal(controlSocketPath('W1ABC', { ...env, XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/opv/station-W1ABC.sock');
});
