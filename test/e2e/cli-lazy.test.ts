// Each command loads only what it needs: on a club server where the station's native
// modules or the dashboards' blessed are missing, `opv server` still starts and relays,
// and `opv station` says in one line which package is missing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { repoRoot } from '../helpers/paths.js';
import { SimStation } from '../helpers/sim-station.js';
import { serverPorts } from './support/stations.js';

const MISSING = ['blessed', 'blessed-contrib', '@discordjs/opus'];

/** The built opv in a temporary directory whose node_modules has every package but MISSING. */
function installWithout(missing: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-lazy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(repoRoot, 'bin'), path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(repoRoot, 'dist', 'opv'), path.join(dir, 'dist', 'opv'), { recursive: true });
  const from = realpathSync(path.join(repoRoot, 'node_modules'));
  const to = path.join(dir, 'node_modules');
  mkdirSync(to);
  const link = (name: string): void => {
    if (!missing.includes(name)) symlinkSync(path.join(from, name), path.join(to, name));
  };
  for (const name of readdirSync(from)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      mkdirSync(path.join(to, name));
      for (const sub of readdirSync(path.join(from, name))) link(`${name}/${sub}`);
    } else link(name);
  }
  return dir;
}

const procs: Proc[] = [];
const sims: SimStation[] = [];
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const p of procs) await p.stop('SIGKILL');
});

test('without blessed, blessed-contrib and @discordjs/opus, opv server starts and relays; opv station names the missing package', async () => {
  const dir = installWithout(MISSING);
  const opv = path.join(dir, 'bin', 'opv');
  for (const m of MISSING) assert.throws(() => realpathSync(path.join(dir, 'node_modules', m)), `${m} is still reachable`);

  const help = new Proc(process.execPath, [opv, 'server', '--help'], { cwd: dir });
  assert.equal(await help.waitForExit(30_000), 0, help.output);
  assert.match(help.output, /Usage: opv server/);
  const stationHelp = new Proc(process.execPath, [opv, 'station', '--help'], { cwd: dir });
  assert.equal(await stationHelp.waitForExit(30_000), 0, stationHelp.output);
  assert.match(stationHelp.output, /Usage: opv station/);

  // Ports chosen by the kernel, read back from the log: none is released before the server binds it.
  const server = new Proc(process.execPath, [opv, 'server', '-H', '127.0.0.1', '-p', '0', '--stats-port', '0'], { cwd: dir });
  procs.push(server);
  const { port } = await serverPorts(server, 30_000);
  await server.waitForLine(/Server ready for connections/, 30_000);
  const [a, b] = ['W1ABC', 'VE3XYZ'].map((c) => new SimStation(c, { host: '127.0.0.1', port }));
  sims.push(a!, b!);
  await Promise.all([a!.bound, b!.bound]);
  b!.chat('listening');
  await server.waitForLine(/NEW STATION: VE3XYZ/, 30_000);
  a!.chat('relayed without the station packages');
  await b!.until(() => b!.texts('W1ABC').length === 1, 20_000, 'chat relayed to VE3XYZ');
  assert.deepEqual(b!.texts('W1ABC'), ['relayed without the station packages']);
  assert.ok(server.running);

  const station = new Proc(process.execPath, [opv, 'station', 'W1XYZ', '-i', '127.0.0.1', '-p', String(port), '--no-tui', '--no-audio', '--data-dir', path.join(dir, 'data')], {
    cwd: dir,
    env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') },
  });
  procs.push(station);
  assert.equal(await station.waitForExit(30_000), 1, station.output);
  const out = station.output.trim().split('\n');
  assert.equal(out.length, 1, station.output);
  assert.match(out[0]!, /^opv: opv station needs the package @discordjs\/opus, which is not installed/);
  assert.doesNotMatch(station.output, /\n\s+at /, 'no stack trace');
});
