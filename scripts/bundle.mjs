#!/usr/bin/env node
// Bundles the compiled command line (dist/src, from tsc) into dist/opv, which bin/opv runs.
// Why: each start of `opv` used to resolve and read some 300 module files (opv's own,
// zod, nats, commander …); one file per command costs about a third less CPU at start-up,
// which a Raspberry Pi feels and which the test suite (hundreds of opv processes) needed.
// The commands stay lazy: each is its own chunk, loaded when that command runs, so a
// server never loads the station's modules. Packages that cannot be bundled stay outside:
// native addons, and blessed, which loads its widgets and terminfo by path at run time.
import { build } from 'esbuild';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'opv');
rmSync(outdir, { recursive: true, force: true });
await build({
  // errors.js is an entry of its own so that bin/opv's error handler and the commands share one OpvError.
  entryPoints: [path.join(root, 'dist', 'src', 'cli.js'), path.join(root, 'dist', 'src', 'errors.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@discordjs/opus', 'speaker', 'mic', 'blessed', 'blessed-contrib'],
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as opvCreateRequire } from 'node:module'; const require = opvCreateRequire(import.meta.url);" },
  // Class and function names appear in messages and error names; scope hoisting must not rename them.
  keepNames: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
