import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registeredSim, startServer, type RunningServer } from './support/stations.js';

// `opv server --debug`: the diagnostic log (opv:server:* namespaces) goes to its file, and
// the operator log on stdout says exactly what it says without it.

/** One scripted visit: a station joins, moves room, asks for a room that does not exist; a refused HTTP request. */
async function visit(srv: RunningServer, t: TestContext): Promise<string[]> {
  const s = await registeredSim('W1DBG', srv.port, srv, t);
  s.control('OPV-EXT:1');
  s.control('OPV-EXT:ROOM net');
  await s.until(() => s.controls('OPV-SRV').includes('OPV:ROOM NET'), 5000, 'ROOM NET');
  s.control('OPV-EXT:ROOM nowhere');
  await s.until(() => s.controls('OPV-SRV').some((c) => c.includes('NOWHERE')), 5000, 'no such room');
  const res = await fetch(`http://127.0.0.1:${srv.statsPort}/api/v1/no-such-thing`);
  assert.equal(res.status, 404);
  await srv.proc.stop();
  // Times and ports differ from run to run; the words must not.
  return srv.proc.stdoutLines
    .map((l) => l.replace(/^\S+ /, '').replace(/\d{4,5}/g, 'N').replace(/Uptime: \d+s/, 'Uptime').replace(/last seen [\d.]+s/, 'last seen'))
    .filter((l) => !/UDP buffers/.test(l));
}

test('--debug NAMESPACES --debug-file: namespaced lines in the file, the operator log unchanged', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-debug-'));
  const file = path.join(dir, 'server-debug.log');
  const plain = await startServer(['--room', 'net'], t);
  const withDebug = await startServer(['--room', 'net', '--debug', 'server:*,-server:interlink', '--debug-file', file], t);

  const [plainLog, debugRunLog] = [await visit(plain, t), await visit(withDebug, t)];
  assert.deepEqual(debugRunLog, plainLog, 'the operator log is the same with --debug');
  assert.deepEqual(withDebug.proc.stderrLines, [], 'with --debug-file nothing goes to stderr');

  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const has = (re: RegExp, what: string): void => assert.ok(lines.some((l) => re.test(l)), `${what} in:\n${lines.join('\n')}`);
  has(/ opv:server:admission W1DBG from 127\.0\.0\.1:\d+: admitted \(new\)/, 'the admission decision');
  has(/ opv:server:rooms W1DBG joins MAIN/, 'the join');
  has(/ opv:server:rooms W1DBG asks for room NET$/, 'the room request');
  has(/ opv:server:rooms W1DBG leaves MAIN/, 'the move');
  has(/ opv:server:rooms W1DBG asks for room NOWHERE: no such room/, 'the unknown room');
  has(/ opv:server:stats 127\.0\.0\.1 GET \/api\/v1\/no-such-thing refused 404/, 'the HTTP refusal');
  assert.ok(lines.every((l) => / opv:server:[a-z]+ /.test(l)), 'every line is namespaced under opv:server');
});

test('--debug with no list: every opv:server namespace, to stderr', async (t) => {
  const srv = await startServer(['--debug'], t);
  await registeredSim('W2DBG', srv.port, srv, t);
  await srv.proc.waitForLine(/opv:server:admission W2DBG from .*admitted/);
  assert.ok(srv.proc.stderrLines.some((l) => /opv:server:rooms W2DBG joins MAIN/.test(l)));
  assert.ok(!srv.proc.stdoutLines.some((l) => /opv:server/.test(l)), 'the operator log on stdout has no debug line');
});
