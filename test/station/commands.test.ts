import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, commandHelp, parseLine } from '../../src/station/commands/index.js';

const REQUIRED = ['/who', '/status', '/history', '/play', '/export', '/room', '/rooms', '/speak', '/ptt', '/help', '/quit'];

test('the table has every command both faces offer, each with a help line, and no name twice', () => {
  const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? []), ...(c.bare ?? [])]);
  for (const n of REQUIRED) assert.ok(names.includes(n), n);
  assert.ok(names.includes('quit'), 'bare quit');
  assert.equal(new Set(names).size, names.length, 'a name is in the table once');
  for (const c of COMMANDS) assert.ok(c.help.length > 5 && /^\//.test(c.name), c.name);
  const help = commandHelp();
  for (const c of COMMANDS) assert.ok(help.some((l) => l.trimStart().startsWith(c.name)), `help lists ${c.name}`);
  assert.ok(help.some((l) => /\/\/text/.test(l)), 'help says how to send a line starting with /');
});

test('a line starting with / is never chat; //text sends /text; bare words only alone', () => {
  const kind = (l: string): string => {
    const p = parseLine(l);
    return p.kind === 'command' ? `command ${p.command.name} ${p.args.join(' ')}`.trim() : p.kind === 'chat' ? `chat ${p.text}` : p.kind === 'unknown' ? `unknown ${p.word}` : p.kind;
  };
  assert.equal(kind('/who'), 'command /who');
  assert.equal(kind('  /WHO  '), 'command /who');
  assert.equal(kind('/ptt on'), 'command /ptt on');
  assert.equal(kind('/export 3 my file.wav'), 'command /export 3 my file.wav');
  assert.equal(kind('/exit'), 'command /quit');
  assert.equal(kind('/whoami'), 'unknown /whoami');
  assert.equal(kind('/'), 'unknown /');
  assert.equal(kind('//who'), 'chat /who');
  assert.equal(kind('//'), 'chat /');
  assert.equal(kind('quit'), 'command /quit');
  assert.equal(kind('QUIT'), 'command /quit');
  assert.equal(kind('status'), 'command /status');
  assert.equal(kind('help is on the way'), 'chat help is on the way');
  assert.equal(kind('hello /who'), 'chat hello /who');
  assert.equal(kind('   '), 'empty');
});
