// The repository stands on its own: a clone with no sibling directories runs every test,
// benchmark and script, so nothing in them may name a path outside the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir, referenceFramesJson, repoRoot, speechWav } from './helpers/paths.js';

const SOURCE_DIRS = ['src', 'test', 'bench', 'scripts', 'bin'];
const SOURCE_EXT = /\.(ts|mts|cts|js|mjs|cjs|sh)$|^opv$/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.isFile() && SOURCE_EXT.test(e.name)) out.push(p);
  }
  return out;
}

// A reference to the old sibling `../shared` directory in any spelling: a literal
// '../shared' path, or a path.join/resolve segment 'shared' after a '..'.
const OUTSIDE = [/\.\.\/shared\b/, /['"]\.\.['"]\s*,\s*['"]shared['"]/, /['"]shared['"]\s*,\s*['"](vectors|audio)['"]/];

test('no source file under src, test, bench, scripts or bin reads ../shared', () => {
  const files = SOURCE_DIRS.flatMap((d) => sources(path.join(repoRoot, d)));
  assert.ok(files.length > 50, `found only ${files.length} source files under ${repoRoot}`);
  const self = path.join(repoRoot, 'test', 'repository.test.ts');
  const offenders: string[] = [];
  for (const f of files) {
    if (f === self) continue;
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${path.relative(repoRoot, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

test('the fixtures are inside the repository, with a note on where each came from', () => {
  for (const f of [referenceFramesJson, speechWav]) {
    assert.ok(!path.relative(repoRoot, f).startsWith('..'), `${f} is outside ${repoRoot}`);
    assert.ok(statSync(f).size > 1000, f);
  }
  const note = readFileSync(path.join(fixturesDir, 'README.md'), 'utf8');
  for (const name of readdirSync(fixturesDir).filter((n) => n !== 'README.md')) assert.match(note, new RegExp(name.replace('.', '\\.')), `README.md does not describe ${name}`);
  assert.match(note, /radio_protocol\.py/);
  assert.match(note, /espeak-ng/);
  assert.ok(existsSync(path.join(repoRoot, 'package.json')));
});
