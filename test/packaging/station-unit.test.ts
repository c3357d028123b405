import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { opvBin, repoRoot } from '../helpers/paths.js';

const unitFile = path.join(repoRoot, 'packaging', 'opv-station@.service');
const serverUnit = path.join(repoRoot, 'packaging', 'opv-server.service');

function keys(file: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const r = /^([A-Za-z]+)=(.*)$/.exec(l);
    if (r) m.set(r[1]!, [...(m.get(r[1]!) ?? []), r[2]!]);
  }
  return m;
}

test('systemd-analyze verify finds nothing to say about opv-station@.service', (t) => {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    t.skip('systemd-analyze is not installed here: the unit file was not verified');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-unit-'));
  try {
    // An instance of the template, as `systemctl enable opv-station@W1ABC` makes it.
    const inst = path.join(dir, 'opv-station@W1ABC.service');
    copyFileSync(unitFile, inst);
    const r = spawnSync('systemd-analyze', ['verify', inst], { encoding: 'utf8' });
    // verify exits 0 on unknown keys and bad values too: any word from it is a fault.
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the station unit: line mode with the control socket, restarts on failure, hardened like the server', () => {
  const u = keys(unitFile);
  const exec = u.get('ExecStart')![0]!;
  assert.match(exec, /opv station %i --no-tui --control-socket$/);
  assert.deepEqual(u.get('Restart'), ['on-failure']);
  assert.deepEqual(u.get('SupplementaryGroups'), ['audio gpio']);
  assert.deepEqual(u.get('User'), ['opv-station']);
  // Every hardening setting of the server's unit, except the device and path ones a station
  // needs otherwise (sound cards, GPIO chips, its own home), and its limits.
  const differ = new Set(['PrivateDevices', 'ReadWritePaths', 'LimitNOFILE', 'StateDirectory', 'StateDirectoryMode', 'EnvironmentFile', 'ExecStart', 'ExecReload', 'User', 'Group', 'WorkingDirectory', 'RestartSec', 'Description', 'After', 'Wants', 'Type', 'WantedBy', 'Environment']);
  for (const [k, v] of keys(serverUnit)) {
    if (differ.has(k)) continue;
    assert.deepEqual(u.get(k), v, `${k} as in opv-server.service`);
  }
  // The flags of ExecStart are ones `opv station` takes.
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-unit-'));
  try {
    const args = exec.split(' ').slice(exec.split(' ').indexOf('station')).map((a) => (a === '%i' ? 'W1ABC' : a));
    const r = spawnSync(process.execPath, [opvBin, ...args, '-i', '127.0.0.1', '--config', path.join(dir, 'station.json'), '--save-config'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
