// Server identity through the real `opv` executable: `opv keygen --server` makes the key
// and prints its peers-file line; `opv server --nats` insists on a key and peers (or
// --interlink-trust open), and says in one line what is wrong with them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from '../helpers/proc.js';
import { freeTcpPort, freeUdpPort, opvBin } from '../helpers/paths.js';

const dir = mkdtempSync(path.join(tmpdir(), 'opv-server-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') };

async function opv(args: string[]): Promise<{ code: number | null; err: string[]; out: string[] }> {
  const p = new Proc(process.execPath, [opvBin, ...args], { env });
  const code = await p.waitForExit(30_000);
  return { code, err: p.stderrLines.filter((l) => l !== ''), out: p.stdoutLines.filter((l) => l !== '') };
}

test('opv keygen --server ID: a 0600 key file and one "ID ed25519 <key> [comment]" line; bad input is one line', async () => {
  const key = path.join(dir, 'hub-x.pem');
  const r = await opv(['keygen', '--server', 'hub-x', '--out', key, '-C', 'hub x']);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(r.out.length, 1);
  assert.match(r.out[0]!, /^hub-x ed25519 [A-Za-z0-9+/]{43}= hub x$/);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  const again = await opv(['keygen', '--server', 'hub-x', '--out', key]);
  assert.equal(again.code, 1);
  assert.match(again.err.join('\n'), /already exists \(use --force/);
  const bad = await opv(['keygen', '--server', 'hub_x', '--out', path.join(dir, 'b.pem')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err[0]!, /"hub_x" is not a server id/);
  const both = await opv(['keygen', 'W1AW', '--server', 'hub-y']);
  assert.match(both.err[0]!, /give a callsign or --server ID, not both/);
});

test('opv server --nats: key and peers required unless --interlink-trust open; bad files are one line; a good pair starts signed', async () => {
  const key = path.join(dir, 'hub-s.pem');
  const line = (await opv(['keygen', '--server', 'hub-s', '--out', key])).out[0]!;
  const other = (await opv(['keygen', '--server', 'hub-t', '--out', path.join(dir, 'hub-t.pem')])).out[0]!;
  const peers = path.join(dir, 'peers');
  writeFileSync(peers, `# the network\n${line}\n${other}\n`);
  const base = ['server', '-H', '127.0.0.1', '-p', String(await freeUdpPort()), '--no-stats', '--nats', 'nats://127.0.0.1:1', '--server-id', 'hub-s'];
  const fails = async (extra: string[], re: RegExp): Promise<void> => {
    const r = await opv([...base, ...extra]);
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.err.join('\n')}`);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0]!, re);
  };
  await fails([], /--nats needs --server-key FILE and --peers FILE .*or --interlink-trust open/);
  await fails(['--server-key', key], /--nats needs --peers FILE/);
  await fails(['--server-key', path.join(dir, 'none.pem'), '--peers', peers], /server key .*none\.pem: no such file/);
  await fails(['--server-key', peers, '--peers', peers], /not a PEM private key/);
  writeFileSync(path.join(dir, 'bad-peers'), `${line}\nhub-t ed25519 notbase64!\n`);
  await fails(['--server-key', key, '--peers', path.join(dir, 'bad-peers')], /peers file .*bad-peers:2: the public key is missing or not base64/);
  await fails(['--server-key', path.join(dir, 'hub-t.pem'), '--peers', peers], /lists hub-s with another key than --server-key/);
  await fails(['--interlink-trust', 'open', '--server-key', key], /--interlink-trust open checks no signatures/);
  await fails(['--interlink-trust', 'maybe'], /--interlink-trust/);
  const lone = await opv(['server', '-H', '127.0.0.1', '-p', String(await freeUdpPort()), '--stats-port', String(await freeTcpPort()), '--peers', peers]);
  assert.match(lone.err[0] ?? '', /--peers needs --nats/);

  const p = new Proc(process.execPath, [opvBin, ...base, '--server-key', key, '--peers', peers], { env });
  try {
    await p.waitForLine(/interlink signed: 2 peer keys from .*peers/, 20_000);
    await p.waitForLine(/Server ready for connections/, 20_000);
    // An edit is read at once; a bad edit keeps the previous peers; SIGHUP reads it too.
    writeFileSync(`${peers}.new`, `${line}\n`);
    renameSync(`${peers}.new`, peers);
    await p.waitForLine(/peers reloaded: 1 server key from /, 10_000);
    writeFileSync(peers, 'hub-t rsa AAAA\n');
    await p.waitForLine(/peers not reloaded \(the previous peers stay in force\): peers file .*:1: key type must be ed25519/, 10_000);
    writeFileSync(peers, `${line}\n${other}\n`);
    await p.waitForLine(/peers reloaded: 2 server keys from /, 10_000);
    const from = p.lines.length;
    p.kill('SIGHUP');
    await p.waitForLine(/peers reloaded: 2 server keys from /, 10_000, from);
  } finally {
    await p.stop();
  }
});
