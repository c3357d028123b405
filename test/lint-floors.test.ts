// The floors of docs/ARCHITECTURE.md are enforced by the lint: wrong arrows written into
// fixture files at real places of the tree fail with the floor's message, right ones pass.
// The zones and the rule are the ones eslint.config.js uses (imported from it); the parser
// runs without type information so the test takes a second, not the full lint's minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { repoRoot } from './helpers/paths.js';

interface ConfigModule {
  FLOOR_ZONES: unknown[];
  default: Linter.Config[];
}

async function loadConfig(): Promise<ConfigModule> {
  return (await import(pathToFileURL(path.join(repoRoot, 'eslint.config.js')).href)) as ConfigModule;
}

async function floorsLinter(): Promise<ESLint> {
  const { FLOOR_ZONES, default: full } = await loadConfig();
  // The very plugin object of the real config.
  const withFloors = full.find((c) => c.rules?.['opv/floors'] !== undefined)!;
  return new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      { files: ['src/**/*.ts'], plugins: withFloors.plugins!, rules: { 'opv/floors': ['error', { zones: FLOOR_ZONES }] } },
    ],
  });
}

async function problems(linter: ESLint, file: string, code: string): Promise<string[]> {
  const [r] = await linter.lintText(code, { filePath: path.join(repoRoot, file) });
  return r!.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

test('a wrong arrow fails the lint with the floor it breaks; the right arrows pass', async () => {
  const linter = await floorsLinter();
  const wrong: [string, string, RegExp][] = [
    ['src/protocol/zz-fixture.ts', "import { OpvError } from '../errors.js';\nexport const E = OpvError;\n", /protocol floor: src\/protocol\/zz-fixture\.ts may not import src\/errors\.ts/],
    ['src/protocol/zz-fixture.ts', "import { createHmac } from 'node:crypto';\nexport const h = createHmac;\n", /protocol floor: .* may not import node:crypto/],
    ['src/server/zz-fixture.ts', "import type { PresenceMessage } from './interlink-presence.js';\nexport type P = PresenceMessage;\n", /relay without the interlink: .* may not import src\/server\/interlink-presence\.ts/],
    ['src/server/zz-fixture.ts', "import { connect } from 'nats';\nexport const c = connect;\n", /relay without the interlink: .* may not import nats/],
    ['src/server/zz-fixture.ts', "import line from 'blessed-contrib/lib/widget/charts/line.js';\nexport const l = line;\n", /server floor: .* may not import blessed-contrib\/lib\/widget\/charts\/line\.js/],
    ['src/server/zz-fixture.ts', "import { StationEngine } from '../station/engine.js';\nexport const S = StationEngine;\n", /server floor: .* may not import src\/station\/engine\.ts/],
    ['src/auth/zz-fixture.ts', "import { configDir } from '../station/settings.js';\nexport const d = configDir;\n", /auth floor: .* may not import src\/station\/settings\.ts/],
    ['src/station/zz-fixture.ts', "import { ConferenceServer } from '../server/server.js';\nexport const C = ConferenceServer;\n", /station floor: .* may not import src\/server\/server\.ts/],
    ['src/admin/zz-fixture.ts', "import type { Counters } from '../server/core.js';\nexport type C = Counters;\n", /admin floor: .* may not import src\/server\/core\.ts/],
    ['src/station/tui/zz-fixture.ts', "import { describeRefusal } from '../server-ext.js';\nexport const d = describeRefusal;\n", /the station's faces: .* may not import src\/station\/server-ext\.ts/],
    ['src/station/tui/zz-fixture.ts', "import type { StationEngine } from '../engine.js';\nexport type E = StationEngine;\n", /the station's faces: .* may not import src\/station\/engine\.ts/],
    ['src/util/zz-fixture.ts', "export * from '../protocol/index.js';\n", /util floor/],
    ['src/contract/zz-fixture.ts', "export const m = import('../server/metrics.js');\n", /contract floor: .* may not import src\/server\/metrics\.ts/],
  ];
  for (const [file, code, want] of wrong) {
    const got = await problems(linter, file, code);
    assert.equal(got.length, 1, `${file}: ${code}\n${got.join('\n')}`);
    assert.match(got[0]!, want);
  }
  const right: [string, string][] = [
    ['src/server/zz-fixture.ts', "import { FRAME_SIZE } from '../protocol/index.js';\nimport type { Uplink } from './network-port.js';\nimport { publicKeyFromRaw } from '../auth/crypto.js';\nexport const x = [FRAME_SIZE, publicKeyFromRaw] as const;\nexport type U = Uplink;\n"],
    ['src/server/interlink-zz.ts', "import type { PresenceMessage } from './interlink-presence.js';\nimport { connect } from 'nats';\nexport type P = PresenceMessage;\nexport const c = connect;\n"],
    ['src/station/zz-fixture.ts', "import { defaultKeyFile } from '../auth/key-file.js';\nimport { FRAME_SIZE } from '../protocol/index.js';\nexport const x = [defaultKeyFile, FRAME_SIZE] as const;\n"],
    ['src/station/tui/zz-fixture.ts', "import type { StationView } from '../commands/index.js';\nexport const f = (engine: StationView): unknown => engine.history();\n"],
    ['src/protocol/zz-fixture.ts', "import { FRAME_SIZE } from './constants.js';\nexport const n = FRAME_SIZE;\n"],
    ['src/admin/zz-fixture.ts', "import type { ServerStats } from '../contract/stats.js';\nexport type S = ServerStats;\n"],
  ];
  for (const [file, code] of right) assert.deepEqual(await problems(linter, file, code), [], `${file}: ${code}`);
});

test('the repository lint applies the floors to every source file', async () => {
  const eslint = new ESLint({ cwd: repoRoot });
  for (const file of ['src/protocol/header.ts', 'src/server/relay.ts', 'src/station/tui/index.ts', 'src/admin/cli.ts']) {
    const config = (await eslint.calculateConfigForFile(path.join(repoRoot, file))) as Linter.Config;
    const rule = config.rules?.['opv/floors'] as [unknown, { zones: unknown[] }] | undefined;
    assert.ok(rule !== undefined && rule[1].zones.length > 5, `${file} is under the floors rule`);
  }
});
