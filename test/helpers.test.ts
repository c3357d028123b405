// Exercises the e2e test helpers for real: processes, namespaces, tmux, null ALSA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from './helpers/proc.js';
import { createTestNet, netemAvailable, netnsAvailable, netnsSkip } from './helpers/netns.js';
import { TmuxSession } from './helpers/tmux.js';
import { alsaEnv, makeNoSoundHome, makeNullAlsaHome } from './helpers/alsa.js';
import { freeTcpPort, freeUdpPort, opvBin, fixturesDir, referenceFramesJson, repoRoot, speechWav } from './helpers/paths.js';

const node = process.execPath;

/** Alive and not a zombie (a SIGKILLed orphan may linger unreaped in a container). */
function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-helpers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('paths: repository, opv binary and the fixtures are where the helpers say', async () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string };
  assert.equal(pkg.name, 'opv');
  assert.ok(existsSync(opvBin), opvBin);
  assert.equal(fixturesDir, path.join(repoRoot, 'test', 'fixtures'));
  assert.ok(existsSync(speechWav), speechWav);
  assert.ok(existsSync(referenceFramesJson), referenceFramesJson);

  const udp = await freeUdpPort();
  const tcp = await freeTcpPort();
  for (const p of [udp, tcp]) assert.ok(p > 1024 && p < 65536, String(p));
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(udp, '127.0.0.1', () => resolve());
  });
  assert.equal(s.address().port, udp);
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

test('proc: waits for lines, talks on stdin, reports the exit code of stop()', async () => {
  const script = `
    process.on('SIGTERM', () => { console.log('bye'); process.exit(3); });
    console.log('ready');
    console.error('on stderr');
    require('readline').createInterface({ input: process.stdin }).on('line', (l) => console.log('echo:' + l));`;
  const p = new Proc(node, ['-e', script]);
  try {
    assert.equal(await p.waitForLine(/^ready$/, 5000), 'ready');
    await p.waitForLine(/^on stderr$/, 5000);
    assert.deepEqual(p.stderrLines, ['on stderr']);
    p.sendLine('one');
    p.sendLine('two');
    assert.equal(await p.waitForLine(/^echo:two$/, 5000), 'echo:two');
    assert.equal(p.count(/^echo:/), 2);
    assert.equal(p.running, true);
    assert.equal(await p.stop('SIGTERM'), 3);
    assert.equal(p.running, false);
    assert.ok(p.lines.includes('bye'));
  } finally {
    await p.stop('SIGKILL', 100);
  }
});

test('proc: waitForLine fails fast when the process exits, and on timeout', async () => {
  const quitter = new Proc(node, ['-e', 'console.log("only line"); process.exit(7)']);
  const err = await quitter.waitForLine(/never printed/, 10_000).then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error);
  assert.match(err.message, /exited \(code 7\)/);
  assert.match(err.message, /only line/);
  assert.equal(await quitter.wait(), 7);

  const sleeper = new Proc('sleep', ['30']);
  const started = Date.now();
  await assert.rejects(sleeper.waitForLine(/x/, 200), /timed out after 200 ms/);
  assert.ok(Date.now() - started < 5000);
  assert.equal(await sleeper.stop('SIGTERM'), null, 'killed by a signal: no exit code');
});

test('proc: what a test file leaves running is killed (with its children) when the file ends', async (t) => {
  const dir = tmpDir(t);
  const procUrl = new URL('./helpers/proc.js', import.meta.url).href;
  const file = path.join(dir, 'leaves-running.test.mjs');
  writeFileSync(
    file,
    `import { test } from 'node:test';
     import { Proc } from ${JSON.stringify(procUrl)};
     test('starts a shell with a child and forgets it', async () => {
       const p = new Proc('sh', ['-c', 'sleep 300 & echo child:$!; echo shell:$$; wait']);
       await p.waitForLine(/^shell:/);
       console.log(p.lines.join(' '));
     });`,
  );
  const started = Date.now();
  // Without NODE_TEST_CONTEXT the inner runner reports as a top-level run would.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(node, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(Date.now() - started < 20_000, 'the test file did not wait for its leftover process');
  const pids = [...r.stdout.matchAll(/(?:child|shell):(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 2, r.stdout);
  const deadline = Date.now() + 5000;
  while (pids.some(pidRunning) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(pids.filter(pidRunning), [], 'leftover processes still running');
});

test('netns: two hosts exchange UDP over IPv4 and IPv6, isolated, and close() removes everything', { skip: netnsSkip() }, async () => {
  const net = createTestNet(['server', 'a']);
  const { server, a } = net.hosts;
  assert.ok(server && a);
  try {
    assert.match(server.ns, new RegExp(`^opvt-${process.pid}-\\d+-server$`));
    assert.match(net.subnet, /^10\.201\.\d+\.0\/24$/);
    assert.equal(server.ip.split('.').slice(0, 3).join('.'), a.ip.split('.').slice(0, 3).join('.'));
    assert.notEqual(server.ip, a.ip);

    // Only lo and eth0, no default route: nothing leads out of the test network.
    const links = net.run('a', 'ip', ['-o', 'link', 'show']).split('\n').filter(Boolean).map((l) => l.split(':')[1]?.trim().split('@')[0]);
    assert.deepEqual(links.sort(), ['eth0', 'lo']);
    assert.doesNotMatch(net.run('a', 'ip', ['route', 'show']), /default/);
    assert.match(net.run('a', 'ip', ['addr', 'show', 'lo']), /<LOOPBACK,UP/);

    const echo = `
      const s = require('dgram').createSocket(process.argv[1].includes(':') ? 'udp6' : 'udp4');
      s.on('message', (m, r) => { console.log('got ' + m + ' from ' + r.address); s.send('pong:' + m, r.port, r.address); });
      s.bind(47001, process.argv[1], () => console.log('listening'));`;
    const send = `
      const [host, text] = process.argv.slice(1);
      const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.on('message', (m, r) => { console.log('reply ' + m + ' from ' + r.address); process.exit(0); });
      s.send(text, 47001, host);
      setTimeout(() => { console.log('no reply'); process.exit(1); }, 5000);`;
    for (const [listen, target] of [
      [server.ip, server.ip],
      [server.ip6, server.ip6],
    ] as const) {
      const srv = new Proc(node, ['-e', echo, listen], { netns: server.ns });
      try {
        await srv.waitForLine(/^listening$/, 10_000);
        const client: Proc = new Proc(node, ['-e', send, target, 'ping'], { netns: a.ns });
        await client.waitForLine(/^reply pong:ping from /, 10_000);
        assert.equal(await client.wait(), 0);
        const from = listen.includes(':') ? a.ip6 : a.ip;
        await srv.waitForLine(new RegExp(`^got ping from (::ffff:)?${from.replace(/[.]/g, '\\.')}$`), 5000);
      } finally {
        await srv.stop('SIGKILL', 100);
      }
    }

    // exec(): a ChildProcess in the namespace, killed by close().
    const child = net.exec('server', 'sh', ['-c', 'echo running; exec sleep 300'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    assert.ok(child.pid !== undefined && child.stdout);
    // Until it prints, the child may still be `ip` before it has entered the namespace.
    await new Promise((resolve) => child.stdout?.once('data', resolve));
    const nsOfChild = execFileSync('ip', ['netns', 'identify', String(child.pid)], { encoding: 'utf8' }).trim();
    assert.equal(nsOfChild, server.ns);
    net.close();
    assert.equal(await exited, 'SIGKILL');
  } finally {
    net.close();
  }
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.doesNotMatch(left, new RegExp(`opvt-${process.pid}-\\d+-(server|a)\\b`));
});

test('netns: namespaces go away on exit, on SIGTERM, and after a SIGKILL at the next run', { skip: netnsSkip() }, async () => {
  const netnsUrl = new URL('./helpers/netns.js', import.meta.url).href;
  const script = `
    import { createTestNet } from ${JSON.stringify(netnsUrl)};
    const net = createTestNet(['h']);
    console.log('ns ' + net.hosts.h.ns);
    // 'exit': exit normally when told to on stdin; otherwise hang until killed.
    if (process.argv[1] === 'exit') process.stdin.once('data', () => process.exit(0));
    else setInterval(() => {}, 1000);`;
  const listed = (): string => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const start = async (mode: string): Promise<{ p: Proc; ns: string }> => {
    const p = new Proc(node, ['--input-type=module', '-e', script, mode]);
    const line = await p.waitForLine(/^ns /, 10_000);
    const ns = line.slice(3);
    assert.match(listed(), new RegExp(`^${ns}\\b`, 'm'));
    return { p, ns };
  };

  const exiting = await start('exit');
  exiting.p.sendLine('go');
  assert.equal(await exiting.p.waitForExit(10_000), 0);
  assert.doesNotMatch(listed(), new RegExp(`^${exiting.ns}\\b`, 'm'), 'removed at exit');

  const termed = await start('hang');
  assert.equal(await termed.p.stop('SIGTERM'), null);
  assert.doesNotMatch(listed(), new RegExp(`^${termed.ns}\\b`, 'm'), 'removed on SIGTERM');

  const killed = await start('hang');
  assert.equal(await killed.p.stop('SIGKILL'), null);
  assert.match(listed(), new RegExp(`^${killed.ns}\\b`, 'm'), 'a SIGKILLed process cannot clean up');
  const next = await start('exit');
  next.p.sendLine('go');
  await next.p.waitForExit(10_000);
  assert.doesNotMatch(listed(), new RegExp(`^${killed.ns}\\b`, 'm'), 'swept by the next createTestNet');
});

test('netns: tc netem loss on a link', { skip: netnsAvailable() && !netemAvailable() ? 'the kernel has no sch_netem (tc netem)' : netnsSkip() }, async () => {
  const net = createTestNet(['x', 'y']);
  try {
    const { x, y } = net.hosts;
    assert.ok(x && y);
    net.setLink('y', { lossPercent: 100 });
    const send = `
      const s = require('dgram').createSocket('udp4');
      s.on('message', () => { console.log('reply'); process.exit(0); });
      s.send('hi', 47002, process.argv[1]);
      setTimeout(() => { console.log('no reply'); process.exit(1); }, 1000);`;
    const lost = new Proc(node, ['-e', send, y.ip], { netns: x.ns });
    const srv = new Proc(node, ['-e', `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(47002,()=>console.log('listening'))`], { netns: y.ns });
    try {
      await srv.waitForLine(/listening/);
      assert.equal(await lost.wait(), 1);
      net.setLink('y', null);
      const ok = new Proc(node, ['-e', send, y.ip], { netns: x.ns });
      assert.equal(await ok.wait(), 0, ok.output);
    } finally {
      await srv.stop('SIGKILL', 100);
    }
  } finally {
    net.close();
  }
});

test('tmux: a program in a detached session of a given size reads keys and draws', { skip: existsSync('/usr/bin/tmux') ? false : 'tmux is not installed' }, async () => {
  const tm = new TmuxSession(['sh', '-c', 'stty size; read x; echo got:$x; sleep 5'], { width: 100, height: 30 });
  try {
    await tm.waitForScreen(/^30 100$/m, 5000);
    tm.sendKeys('hello', 'Enter');
    const screen = await tm.waitForScreen((s) => s.includes('got:hello'), 5000);
    assert.equal(screen.split('\n')[0], '30 100');
    assert.equal(tm.exitStatus(), null);
    tm.resize(60, 20);
    assert.deepEqual(tm.size(), { width: 60, height: 20 });
  } finally {
    tm.kill();
  }
  assert.throws(() => tm.capture(), /the session was killed/);
  assert.throws(
    () => execFileSync('tmux', ['-L', tm.socket, 'has-session'], { stdio: 'pipe' }),
    /no server running|error connecting/,
    'tmux server gone after kill()',
  );

  // The program lingers a moment after its output: tmux 3.3a can lose the output of one that
  // exits at once while the machine is busy (seen in two parallel runs), which no opv UI does.
  const quits = new TmuxSession('echo last words; sleep 0.2; exit 3', { width: 40, height: 10 });
  try {
    assert.equal(await quits.waitForExit(5000), 3);
    assert.match(quits.capture(), /last words/);
    await assert.rejects(quits.waitForScreen(/never/, 100), /exited with status 3/);
  } finally {
    quits.kill();
  }
});

test('alsa: with the null HOME arecord records 1 s of 48 kHz mono and aplay plays it; without, they fail', async (t) => {
  const dir = tmpDir(t);
  const home = makeNullAlsaHome();
  assert.match(readFileSync(path.join(home, '.asoundrc'), 'utf8'), /pcm\.!default \{ type null \}/);
  const wav = path.join(dir, 'x.wav');
  const rec = new Proc('arecord', ['-q', '-d', '1', '-f', 'S16_LE', '-r', '48000', '-c', '1', wav], { env: alsaEnv(home) });
  assert.equal(await rec.waitForExit(15_000), 0, rec.output);
  assert.equal(statSync(wav).size, 44 + 48000 * 2);
  const play = new Proc('aplay', ['-q', wav], { env: alsaEnv(home) });
  assert.equal(await play.waitForExit(15_000), 0, play.output);

  const none = new Proc('arecord', ['-q', '-d', '1', '-f', 'S16_LE', '-r', '48000', '-c', '1', path.join(dir, 'y.wav')], { env: alsaEnv(makeNoSoundHome()) });
  assert.notEqual(await none.waitForExit(15_000), 0);
});
