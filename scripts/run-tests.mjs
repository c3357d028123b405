#!/usr/bin/env node
// Runs the compiled tests: unit tests (dist/test/**/*.test.js outside e2e/) in one
// process (one `node --test` over a module importing them all), and end-to-end tests
// (dist/test/e2e/**), each file in its own `node --test` process, OPV_TEST_JOBS at a time
// (default 4 for a 2-core machine: the files mostly wait on sockets and timers; the unit
// run takes one slot). The pool runs under nice 19. Files known to take longest start
// first (test/e2e/durations.json, rewritten by OPV_TEST_RECORD=1), so the run is not held
// up by one slow file at the end. Files whose source says `// run-tests: alone` judge time
// against the wall clock (played audio, a liveness deadline): they run one at a time in a
// lane of their own at normal priority, beside the pool, so a loaded machine is not taken
// for a fault of opv; the lane then joins the pool. With --lint (as `npm test` runs it),
// `npm run lint` runs first in that lane, and a lint error fails the run.
// OPV_TEST_JOBS=1 runs everything one file after another. Each file's TAP output is
// printed whole when it ends, so files never interleave.
// Other arguments are substring filters on the test paths (source or compiled):
// `npm test -- server` runs only files whose path contains "server".
// Ends with one line "N passed, N failed" over both runs (cancelled tests count as
// failed) and the slowest files; exits non-zero if anything failed. OPV_TEST_TIMEOUT_MS
// bounds each test (default 300000) so a hung test cannot hang CI.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distTest = path.join(root, 'dist', 'test');
/** `--lint`: the lint (`npm run lint`) runs first in the real-time lane, and a lint error fails the run. */
const withLint = process.argv.includes('--lint');
const filters = process.argv.slice(2).filter((a) => a !== '' && a !== '--lint');
const timeoutMs = Number(process.env.OPV_TEST_TIMEOUT_MS ?? 300_000);
const jobs = Math.max(1, Number(process.env.OPV_TEST_JOBS ?? 4) || 1);
/**
 * How the pool's jobs are started so that the real-time lane comes first for a core: the
 * lowest `nice`, which their children inherit. (Linux's idle class, `chrt --idle`, was
 * tried: it starved the pool's own paced senders and made the run no faster.)
 */
const BACKGROUND = { argv: ['nice', '-n', '19'], words: 'under nice 19' };
const durationsFile = path.join(root, 'test', 'e2e', 'durations.json');

function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** dist/test/a/b.test.js → test/a/b.test.ts (relative to the repository root). */
function sourceOf(file) {
  return path.relative(path.join(root, 'dist'), file).replace(/\.js$/, '.ts');
}

const all = walk(distTest)
  // A compiled test whose source was deleted or renamed is stale output: not a test.
  .filter((f) => existsSync(path.join(root, sourceOf(f))))
  .filter((f) => {
    if (filters.length === 0) return true;
    const names = [sourceOf(f), path.relative(root, f)];
    return filters.some((s) => names.some((n) => n.includes(s)));
  })
  .sort();
const e2eDir = path.join(distTest, 'e2e') + path.sep;
const unitFiles = all.filter((f) => !f.startsWith(e2eDir));
const e2eFiles = all.filter((f) => f.startsWith(e2eDir));

/** Seconds each e2e file took when last recorded (source path → s); unknown files count as slow. */
function knownDurations() {
  try {
    const v = JSON.parse(readFileSync(durationsFile, 'utf8'));
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

/**
 * A file whose source says `// run-tests: alone` judges time against the wall clock (played
 * audio, where what a loaded machine plays late is concealed and counted; a liveness
 * deadline): beside other files it would measure the machine, not opv.
 */
function runsAlone(file) {
  try {
    return /^\/\/ run-tests: alone\b/m.test(readFileSync(path.join(root, sourceOf(file)), 'utf8'));
  } catch {
    return false;
  }
}

const children = new Set();
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    // Let the runners and the test processes clean up (namespaces, tmux servers) first.
    stopping = true;
    if (children.size === 0) process.exit(1);
    for (const c of children) c.kill(sig);
  });
}

/**
 * Runs `cmd` with `args` in the repository; its stderr goes to `out` and its stdout to
 * `stdout` (by default `out` too), a chunk of text at a time. `background`: in the
 * BACKGROUND (it and everything it starts), so the real-time lane comes first. Resolves
 * with how it ended; stopped with the runner.
 */
function spawnJob(cmd, args, out, { background = false, stdout = out } = {}) {
  return new Promise((resolve) => {
    const argv = background ? [...BACKGROUND.argv, cmd, ...args] : [cmd, ...args];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    children.add(child);
    child.stdout.setEncoding('utf8').on('data', stdout);
    child.stderr.setEncoding('utf8').on('data', out);
    child.on('error', (err) => out(`run-tests: cannot start ${cmd}: ${err.message}\n`));
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
}

/**
 * A handle that a failed test left open (a socket, a timer) must not keep its file running
 * until the time-out once every test in it has ended (it cost a CI run 300 s). Node 20.14+.
 */
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number);
const FORCE_EXIT = nodeMajor > 20 || (nodeMajor === 20 && nodeMinor >= 14) ? ['--test-force-exit'] : [];

/**
 * One `node --test` over `files`; its TAP output goes to `out`, and its counts are read from
 * it. `mustSee`: a line the output must have for the run to count as passed (`seen` says).
 */
async function run(files, args, out, opts = {}) {
  const argv = ['--test', '--test-reporter=tap', ...(opts.forceExit === false ? [] : FORCE_EXIT), ...(timeoutMs > 0 ? [`--test-timeout=${timeoutMs}`] : []), ...args, ...files];
  const counts = { pass: 0, fail: 0, cancelled: 0 };
  let seen = opts.mustSee === undefined;
  let rest = '';
  const scan = (line) => {
    const m = /^# (pass|fail|cancelled) (\d+)\s*$/.exec(line);
    if (m) counts[m[1]] += Number(m[2]);
    seen ||= opts.mustSee.test(line);
  };
  const stdout = (chunk) => {
    out(chunk);
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(scan);
  };
  const { code, signal } = await spawnJob(process.execPath, argv, out, { background: opts.background, stdout });
  scan(rest);
  return { ...counts, code, signal, seen, ok: code === 0 && signal === null && seen };
}

if (all.length === 0) {
  console.error(filters.length ? `run-tests: no test files match ${filters.map((f) => JSON.stringify(f)).join(' or ')}` : 'run-tests: no compiled tests under dist/test (run npm run build)');
  process.exit(1);
}

let pass = 0;
let fail = 0;
let ok = true;
const failedFiles = [];
function tally(name, r) {
  pass += r.pass;
  fail += r.fail + r.cancelled;
  if (!r.ok) {
    ok = false;
    failedFiles.push(name);
    if (r.fail + r.cancelled === 0) console.error(`run-tests: ${name} failed (exit ${r.code ?? r.signal}) without reporting a failed test`);
  }
}

const started = Date.now();
let unitS = 0;
const took = {};

const testFiles = (n) => `${n} test file${n === 1 ? '' : 's'}`;

/** The name of the last test of the one-process unit run: its absence means files never ran. */
const UNIT_SENTINEL = 'run-tests: every unit file was loaded';
const SENTINEL_PASSED = new RegExp(`^ok \\d+ - ${UNIT_SENTINEL}`);

/**
 * A module that imports the unit `files` in turn, so that they run in one process: most
 * unit files are a few milliseconds of tests behind half a second of starting Node and
 * loading opv, and a process each cost the suite half a CPU-minute. Their tests run one
 * after another as before; a file's `after` hooks run when the whole run ends. It runs
 * without --test-force-exit (which ended it between two imports on a loaded machine,
 * after a few of the files), and its last test, registered after the last import, proves
 * that every file was loaded.
 */
function oneProcess(files) {
  const entry = path.join(distTest, '.unit-files.mjs');
  const imports = files.map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)});\n`).join('');
  writeFileSync(entry, `${imports}const { test } = await import('node:test');\ntest(${JSON.stringify(`${UNIT_SENTINEL} (${files.length})`)}, () => {});\n`);
  return entry;
}

/**
 * One `node --test` over unit `files`: streamed when it runs by itself, else printed
 * whole when it ends. `alone`: the real-time unit files, in the real-time lane.
 */
async function unitRun(files, { buffered, alone = false, background = false }) {
  let text = '';
  const out = buffered ? (t) => (text += t) : (t) => process.stdout.write(t);
  if (!buffered) console.log(`# unit: ${testFiles(files.length)}`);
  const t0 = Date.now();
  const r = await run(alone ? files : [oneProcess(files)], [], out, alone ? { background } : { background, forceExit: false, mustSee: SENTINEL_PASSED });
  if (!r.seen) out(`# run-tests: the unit run ended before all ${files.length} files had run (no "${UNIT_SENTINEL}")\n`);
  const s = (Date.now() - t0) / 1000;
  unitS += s;
  if (buffered) process.stdout.write(`# unit: ${testFiles(files.length)}${alone ? ' (real-time)' : ''} — ${s.toFixed(1)} s${r.ok ? '' : ' — FAILED'}\n${text}`);
  tally(alone ? 'the real-time unit files' : 'the unit run', r);
}

/** One e2e file in its own `node --test`, its output printed whole when it ends. */
async function e2eRun(f, { background = false } = {}) {
  const t0 = Date.now();
  let text = '';
  const r = await run([f], [], (t) => (text += t), { background });
  const s = (Date.now() - t0) / 1000;
  took[sourceOf(f)] = Math.round(s * 10) / 10;
  process.stdout.write(`# file: ${sourceOf(f)}${aloneFiles.includes(f) ? ' (real-time)' : ''} — ${s.toFixed(1)} s${r.ok ? '' : ' — FAILED'}\n${text}`);
  tally(sourceOf(f), r);
}

// With one job everything runs in turn, the unit run first and streamed. With more, the
// real-time files run one after another in their own lane at normal priority, beside a
// pool of `jobs` files in the BACKGROUND (the unit run takes one slot of it), slowest first.
const known = knownDurations();
const weight = (f) => known[sourceOf(f)] ?? 1e6;
const bySlowest = (a, b) => weight(b) - weight(a) || a.localeCompare(b);
const pooled = jobs > 1;
const aloneFiles = pooled ? e2eFiles.filter(runsAlone).sort(bySlowest) : [];
const aloneUnitFiles = pooled ? unitFiles.filter(runsAlone) : [];
const pooledUnitFiles = unitFiles.filter((f) => !aloneUnitFiles.includes(f));
const queue = e2eFiles.filter((f) => !aloneFiles.includes(f)).sort(bySlowest);
const pooledUnit = pooled && pooledUnitFiles.length > 0 && e2eFiles.length > 0;
if (withLint && !pooled) await lintRun();
if (pooledUnitFiles.length > 0 && !pooledUnit) await unitRun(pooledUnitFiles, { buffered: false });

// The lane at normal priority: first the lint (its CPU goes before the pool's, and it is
// done before the real-time files start: a core's other hardware thread busy with it made
// played audio late), then the real-time files; then it joins the pool for what is left.
async function realTimeLane() {
  if (withLint && pooled) await lintRun();
  if (aloneFiles.length + aloneUnitFiles.length > 0 && !stopping) {
    console.log(`# real-time lane: ${testFiles(aloneFiles.length + aloneUnitFiles.length)}, one at a time at normal priority`);
    for (const f of aloneFiles) {
      if (stopping) return;
      await e2eRun(f);
    }
    if (aloneUnitFiles.length > 0 && !stopping) await unitRun(aloneUnitFiles, { buffered: true, alone: true });
  }
  if (pooled) await worker();
}

/**
 * The lint as a job beside the tests: type-aware ESLint is half a minute of CPU on a fresh
 * clone, which fits beside test files that mostly wait. Its output is printed whole when it ends.
 */
async function lintRun() {
  const t0 = Date.now();
  let text = '';
  const { code, signal } = await spawnJob(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'lint'], (t) => (text += t));
  const lintOk = code === 0 && signal === null;
  process.stdout.write(`# lint — ${((Date.now() - t0) / 1000).toFixed(1)} s${lintOk ? '' : ' — FAILED'}\n${text}`);
  tally('the lint', { pass: 0, fail: lintOk ? 0 : 1, cancelled: 0, code, signal, ok: lintOk });
}

// The pool's work, longest first: the unit run, then the e2e files, slowest first.
const tasks = [
  ...(pooledUnit ? [() => unitRun(pooledUnitFiles, { buffered: true, background: true })] : []),
  ...queue.map((f) => () => e2eRun(f, { background: pooled })),
];

/** Takes the pool's tasks one at a time until none is left. */
async function worker() {
  for (;;) {
    const task = tasks.shift();
    if (task === undefined || stopping) return;
    await task();
  }
}

async function pool() {
  if (tasks.length === 0 || stopping) return;
  const width = Math.min(jobs, tasks.length);
  if (queue.length > 0) console.log(`# e2e: ${testFiles(queue.length)}, ${width} at a time${pooled ? ` ${BACKGROUND.words}` : ''}${pooledUnit ? ` (with the ${pooledUnitFiles.length} unit files as one)` : ''}`);
  await Promise.all(Array.from({ length: width }, worker));
}

await Promise.all([realTimeLane(), pool()]);
const totalS = (Date.now() - started) / 1000;

if (process.env.OPV_TEST_RECORD === '1' && filters.length === 0 && Object.keys(took).length > 0) {
  const sorted = Object.fromEntries(Object.entries(took).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(durationsFile, JSON.stringify(sorted, null, 2) + '\n');
  console.log(`# recorded ${Object.keys(took).length} durations in ${path.relative(root, durationsFile)}`);
}
const slowest = Object.entries(took).sort(([, a], [, b]) => b - a).slice(0, 5);
if (slowest.length > 0) console.log(`# slowest e2e files: ${slowest.map(([f, s]) => `${path.basename(f)} ${s} s`).join(', ')}`);
console.log(`# wall time: unit ${unitS.toFixed(0)} s, all ${totalS.toFixed(0)} s`);
if (failedFiles.length > 0) console.log(`# failed: ${failedFiles.join(', ')}`);
console.log(`${pass} passed, ${fail} failed`);
process.exit(ok && fail === 0 ? 0 : 1);
