// ESLint flat config: typescript-eslint's type-aware rules on all TypeScript (src, test,
// bench), plain recommended rules on the JavaScript entry points (bin/opv, scripts).
// Correctness rules only; formatting is left to the authors (no stylistic rules).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import floors from './scripts/eslint-floors.mjs';

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance'].map((g) => [g, 'readonly']),
);

// The floors of docs/ARCHITECTURE.md: who may import whom. Each zone forbids every file of
// the repository but the floors beneath it (`allow`); a wrong arrow fails `npm run lint`.
const errors = 'src/errors.ts';
const below = {
  protocol: ['src/protocol/**'],
  util: ['src/util/**'],
};
const base = [...below.protocol, ...below.util, errors];
// The station's engine, which its faces (tui/, line.ts) reach only through the engine's
// public face (engine.ts, types.ts and the view helpers beside them).
const engineInternals = [
  'src/station/engine.ts',
  'src/station/server-ext.ts',
  'src/station/auth.ts',
  'src/station/link.ts',
  'src/station/transmit.ts',
  'src/station/scheduler.ts',
  'src/station/receive.ts',
  'src/station/history.ts',
  'src/station/speech/**',
  'src/station/voice/**',
  'src/station/ptt/gpio.ts',
  'src/protocol/**',
  'src/audio/**',
  'src/auth/**',
];
export const FLOOR_ZONES = [
  {
    name: 'protocol floor',
    files: ['src/protocol/**'],
    forbid: ['**'],
    allow: below.protocol,
    packages: ['**'],
    why: 'the wire format is pure (bytes in, values out): it imports nothing of ours, no package and no Node module; crypto lives in src/auth, errors above',
  },
  { name: 'util floor', files: ['src/util/**'], forbid: ['**'], allow: below.util, why: 'small helpers shared by every floor import nothing of ours' },
  { name: 'error model', files: [errors], forbid: ['**'], why: 'the one error model imports nothing of ours' },
  { name: 'contract floor', files: ['src/contract/**'], forbid: ['**'], allow: ['src/contract/**', ...base], why: 'the stats contract is shared by the server and opv admin: it knows neither' },
  { name: 'auth floor', files: ['src/auth/**'], forbid: ['**'], allow: ['src/auth/**', ...base], why: 'authentication crypto and keys serve both the server and the station: it imports neither' },
  { name: 'audio floor', files: ['src/audio/**'], forbid: ['**'], allow: ['src/audio/**', ...base], why: 'audio back-ends know nothing of stations' },
  {
    name: 'server floor',
    files: ['src/server/**'],
    forbid: ['**'],
    allow: ['src/server/**', 'src/contract/**', 'src/auth/**', ...base],
    packages: ['blessed', 'blessed-contrib', 'mic', '@discordjs/opus'],
    why: 'the server imports no station, admin, audio or screen code',
  },
  {
    name: 'relay without the interlink',
    files: ['src/server/**'],
    // The interlink itself, and the server command that composes the two.
    ignores: ['src/server/interlink*.ts', 'src/server/network.ts', 'src/server/remote-roster.ts', 'src/server/cli.ts'],
    forbid: ['src/server/interlink*.ts', 'src/server/network.ts', 'src/server/remote-roster.ts'],
    packages: ['nats'],
    why: 'the relay talks to other servers only through network-port.ts (Uplink, NetworkView), which the interlink implements',
  },
  {
    name: 'station floor',
    files: ['src/station/**'],
    forbid: ['**'],
    allow: ['src/station/**', 'src/auth/**', 'src/audio/**', ...base],
    packages: ['blessed-contrib', 'nats', 'prom-client'],
    why: 'the station imports no server or admin code',
  },
  {
    name: 'doctor floor',
    files: ['src/doctor/**'],
    forbid: ['**'],
    allow: ['src/doctor/**', 'src/station/**', 'src/auth/**', 'src/audio/**', ...base],
    packages: ['blessed', 'blessed-contrib', 'nats', 'prom-client'],
    why: 'opv doctor checks a station with the station\'s own code: it imports no server or admin code',
  },
  {
    name: "the station's faces",
    files: ['src/station/tui/**', 'src/station/line.ts'],
    forbid: engineInternals,
    // Known exceptions (today's reach-ins): the lead tightens these as the station's
    // command layer takes them over. Remove a line when its import is gone.
    exceptions: {},
    why: "the full-screen and line interfaces use the engine's commands and events, not its parts",
  },
  { name: 'admin floor', files: ['src/admin/**'], forbid: ['**'], allow: ['src/admin/**', 'src/contract/**', ...base], why: 'opv admin speaks to a server over HTTP only: it shares the stats contract, never server internals' },
];


export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'packaging/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers and booleans read naturally in messages; objects and unknowns do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: false }],
      // `_name` marks a deliberately unused binding (tsc's noUnused* agree).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Event handlers and timers are fire-and-forget by design; a floating promise is not.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      // Async methods that implement a promise-returning interface need not await.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Terminal escape sequences (ESC, CSI) are matched with regexes on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { opv: floors },
    rules: { 'opv/floors': ['error', { zones: FLOOR_ZONES }] },
  },
  {
    // Tests and benchmarks assert on shapes they just built; `!` after a find is fine there.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Indexed fixtures are `T | undefined` under noUncheckedIndexedAccess; in a test's own
      // messages and shell lines that is harmless.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    files: ['bin/opv', 'scripts/**/*.mjs', 'eslint.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', ecmaVersion: 'latest', globals: nodeGlobals },
  },
);
