#!/usr/bin/env node
// Runs the compiled tests: unit tests (dist/test/**/*.test.js outside e2e/) with the
// runner's default concurrency, then end-to-end tests (dist/test/e2e/**) one file at a
// time, since they start real servers, namespaces and tmux sessions and would fight
// over 2 cores. Arguments are substring filters on the test paths (source or compiled):
// `npm test -- server` runs only files whose path contains "server".
// Ends with one line "N passed, N failed" over both runs (cancelled tests count as
// failed); exits non-zero if anything failed. OPV_TEST_TIMEOUT_MS bounds each test
// (default 300000) so a hung test cannot hang CI.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distTest = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2).filter((a) => a !== '');
const timeoutMs = Number(process.env.OPV_TEST_TIMEOUT_MS ?? 300_000);

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
const groups = [
  { name: 'unit', files: all.filter((f) => !f.startsWith(e2eDir)), args: [] },
  { name: 'e2e', files: all.filter((f) => f.startsWith(e2eDir)), args: ['--test-concurrency=1'] },
];

let current = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    // Let the runner and the test processes clean up (namespaces, tmux servers) first.
    if (current) current.kill(sig);
    else process.exit(1);
  });
}

function run(group) {
  return new Promise((resolve) => {
    const args = ['--test', '--test-reporter=tap', ...(timeoutMs > 0 ? [`--test-timeout=${timeoutMs}`] : []), ...group.args, ...group.files];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
    current = child;
    const counts = { pass: 0, fail: 0, cancelled: 0 };
    let rest = '';
    const scan = (line) => {
      const m = /^# (pass|fail|cancelled) (\d+)\s*$/.exec(line);
      if (m) counts[m[1]] += Number(m[2]);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(scan);
    });
    child.on('error', (err) => {
      console.error(`run-tests: cannot start node --test: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      scan(rest);
      current = null;
      resolve({ ...counts, code, signal, ok: code === 0 && signal === null });
    });
  });
}

let pass = 0;
let fail = 0;
let ok = true;
for (const g of groups) {
  if (g.files.length === 0) continue;
  console.log(`# ${g.name}: ${g.files.length} test file${g.files.length === 1 ? '' : 's'}`);
  const r = await run(g);
  pass += r.pass;
  fail += r.fail + r.cancelled;
  if (!r.ok) {
    ok = false;
    if (r.fail + r.cancelled === 0) console.error(`run-tests: the ${g.name} run failed (exit ${r.code ?? r.signal}) without reporting a failed test`);
  }
}
if (all.length === 0) {
  console.error(filters.length ? `run-tests: no test files match ${filters.map((f) => JSON.stringify(f)).join(' or ')}` : 'run-tests: no compiled tests under dist/test (run npm run build)');
  process.exit(1);
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(ok && fail === 0 ? 0 : 1);
