// The one error model through the real `opv` executable: an expected failure is one
// line and status 1; a bug (here a fault injected with --import) prints its stack,
// asks for a report and exits 70.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Proc } from '../helpers/proc.js';
import { opvBin } from '../helpers/paths.js';
import { EXIT_SOFTWARE } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'opv-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs opv to completion: exit status and stderr lines. */
async function opv(args: string[], opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; err: string[]; out: string }> {
  const p = new Proc(process.execPath, [...(opts.nodeArgs ?? []), opvBin, ...args], { env: opts.env ?? { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config') } });
  const code = await p.waitForExit(30_000);
  return { code, err: p.stderrLines.filter((l) => l !== ''), out: p.output };
}

function assertOneLine(r: { code: number | null; err: string[]; out: string }, re: RegExp): void {
  assert.equal(r.code, 1, r.out);
  assert.equal(r.err.length, 1, `one line on stderr, got:\n${r.err.join('\n')}`);
  assert.match(r.err[0]!, /^opv: /);
  assert.match(r.err[0]!, re);
  assert.doesNotMatch(r.out, /\n\s+at |internal error/, 'no stack trace');
}

test('usage errors and expected failures are one line and exit 1', async () => {
  assertOneLine(await opv(['server', '--port', 'abc']), /--port must be a whole number, got "abc" \(see opv server --help\)/);
  assertOneLine(await opv(['server', '--frobnicate']), /unknown option '--frobnicate'/);
  assertOneLine(await opv(['launch']), /unknown command 'launch'/);
  assertOneLine(await opv(['station', 'W1_AB', '-i', '127.0.0.1']), /callsign "W1_AB" contains "_"/);
  // No terminal: the dashboard refuses in one line.
  assertOneLine(await opv(['admin']), /the dashboard needs a terminal/);

  // Port 0: the kernel's choice (these servers stop before or just after binding).
  const port = '0';
  const stats = '0';
  // A failed system call is the environment, not a bug.
  assertOneLine(await opv(['server', '-p', port, '--stats-port', stats, '--acl-file', path.join(dir, 'absent.acl')]), /ENOENT.*absent\.acl/);
  const acl = path.join(dir, 'bad.acl');
  writeFileSync(acl, 'allow W1ABC\npermit everyone\n');
  assertOneLine(await opv(['server', '-p', port, '--stats-port', stats, '--acl-file', acl]), /bad\.acl:2: expected "allow CALL" or "deny CALL"/);

  const ok = await opv(['--help']);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /Commands:[\s\S]*server[\s\S]*station[\s\S]*admin/);
  // `opv` alone: the usage, as an error (status 1), and nothing else.
  const bare = await opv([]);
  assert.equal(bare.code, 1);
  assert.match(bare.err.join('\n'), /^Usage: opv /);
  assert.doesNotMatch(bare.out, /^opv: /m);
  const version = await opv(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.out, /^\d+\.\d+\.\d+$/m);
});

test('a bad settings file stops opv station with one line naming the file, the key and the range', async () => {
  const bad = path.join(dir, 'bad-station.json');
  writeFileSync(bad, JSON.stringify({ server: '127.0.0.1', ptt: { timeoutS: -1 } }));
  assertOneLine(await opv(['station', 'W1ABC', '--no-tui', '--no-audio', '--config', bad]), new RegExp(`^opv: ${bad.replace(/[.]/g, '\\.')}: ptt\\.timeoutS must be a number between 1 and 3600 \\(got -1\\)$`));
  // The flag that overrides the key refuses the same range.
  assertOneLine(await opv(['station', 'W1ABC', '-i', '127.0.0.1', '--ptt-timeout', '0']), /--ptt-timeout must be a number between 1 and 3600, got "0"/);

  // The default file under XDG_CONFIG_HOME: a busy-loop keepalive and an unknown key.
  const config = path.join(dir, 'xdg');
  mkdirSync(path.join(config, 'opv'), { recursive: true });
  const file = path.join(config, 'opv', 'station.json');
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: config };
  writeFileSync(file, JSON.stringify({ server: '127.0.0.1', keepaliveIntervalS: 0 }));
  assertOneLine(await opv(['station', 'W1ABC', '--no-tui', '--no-audio'], { env }), /station\.json: keepaliveIntervalS must be a number between 1 and 60 \(got 0\)$/);
  writeFileSync(file, JSON.stringify({ server: '127.0.0.1', port: 'abc' }));
  assertOneLine(await opv(['station', 'W1ABC', '--no-tui', '--no-audio'], { env }), /station\.json: port must be a whole number between 1 and 65535 \(got "abc"\)$/);
  writeFileSync(file, JSON.stringify({ server: '127.0.0.1', pttTimeout: 30 }));
  assertOneLine(await opv(['station', 'W1ABC', '--no-tui', '--no-audio'], { env }), /station\.json: unknown key pttTimeout$/);
});

test('opv admin --once against a server answering malformed stats: one line naming the field, exit 1', async () => {
  let body = '';
  const srv = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  after(() => srv.close());
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  body = JSON.stringify({ uptime_s: 'ten', stations: [] });
  assertOneLine(await opv(['admin', '--once', '--url', url]), /unexpected stats from .*: stats\.uptime_s must be a number \(got "ten"\) \(and \d+ more problems\)$/);
  body = JSON.stringify({ ...validStats(), stations: [{ callsign: 'W1ABC', endpoint: '1.2.3.4:5', talking: 'yes' }] });
  assertOneLine(await opv(['admin', '--json', '--url', url]), /stats\.stations\[0\]\.frames must be a number \(missing\)/);
  body = JSON.stringify(validStats());
  const ok = await opv(['admin', '--once', '--url', url]);
  assert.equal(ok.code, 0, ok.out);
});

function validStats(): Record<string, unknown> {
  const zero = ['uptime_s', 'frames_received', 'frames_forwarded', 'decode_errors', 'rate_limited', 'timed_out_stations', 'active_stations', 'voice_frames', 'text_frames', 'control_frames', 'data_frames', 'hijacks_refused'];
  return { ...Object.fromEntries(zero.map((k) => [k, 0])), timeout_s: 300, stations: [] };
}

test('a bug prints its stack, asks for a report and exits 70, whether main rejects or a callback throws', async () => {
  // A fault inside main(): writing the help (stdout, as commander does) breaks with a TypeError.
  const inMain = path.join(dir, 'fault-in-main.mjs');
  writeFileSync(inMain, `process.stdout.write = function () { const o = undefined; return o.injectedFault; };\n`);
  const a = await opv(['server', '--help'], { nodeArgs: ['--import', pathToFileURL(inMain).href] });
  assert.equal(a.code, EXIT_SOFTWARE, a.out);
  assert.match(a.out, /^opv: internal error$/m);
  assert.match(a.out, /TypeError: Cannot read properties of undefined \(reading 'injectedFault'\)/);
  assert.match(a.out, /\n\s+at /, 'the stack');
  assert.match(a.out, /This is a bug in opv: please report it/);

  // A fault in a callback of a running server (an uncaught exception).
  const inCallback = path.join(dir, 'fault-in-callback.mjs');
  writeFileSync(inCallback, `setTimeout(() => { throw new RangeError('injected fault in a timer'); }, 1500);\n`);
  const b = await opv(['server', '-p', '0', '--stats-port', '0'], { nodeArgs: ['--import', pathToFileURL(inCallback).href] });
  assert.equal(b.code, EXIT_SOFTWARE, b.out);
  assert.match(b.out, /Server ready for connections/, 'the server was running when it failed');
  assert.match(b.out, /RangeError: injected fault in a timer\n\s+at /);
  assert.match(b.out, /please report it/);
});
