#!/usr/bin/env node
// Runs the compiled tests: unit tests in parallel, then end-to-end tests (real processes,
// sockets, namespaces, tmux) one file at a time so they do not fight over the 2 cores.
// Arguments are substring filters on the test file paths. Ends with "N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testDir = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const all = walk(testDir)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const e2eDir = path.join(testDir, 'e2e') + path.sep;
const groups = [
  { name: 'unit', files: all.filter((f) => !f.startsWith(e2eDir)), args: [] },
  { name: 'e2e', files: all.filter((f) => f.startsWith(e2eDir)), args: ['--test-concurrency=1'] },
];

function run(group) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', ...group.args, ...group.files], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: root,
    });
    let pass = 0;
    let fail = 0;
    let rest = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = rest + chunk.toString();
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^# (pass|fail) (\d+)$/.exec(l);
        if (m) m[1] === 'pass' ? (pass += Number(m[2])) : (fail += Number(m[2]));
      }
    });
    child.on('close', (code) => resolve({ pass, fail, code: code ?? 1 }));
  });
}

let pass = 0;
let fail = 0;
let bad = false;
for (const g of groups) {
  if (g.files.length === 0) continue;
  console.log(`# ${g.name}: ${g.files.length} test files`);
  const r = await run(g);
  pass += r.pass;
  fail += r.fail;
  if (r.code !== 0) bad = true;
}
if (pass + fail === 0) {
  console.error('run-tests: no tests matched');
  process.exit(1);
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(bad || fail > 0 ? 1 : 0);
