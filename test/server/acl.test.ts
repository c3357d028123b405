import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccessList, checkCallsign, parseAclLine } from '../../src/server/acl.js';

test('callsigns are checked with the protocol rules and must name something', () => {
  assert.deepEqual(checkCallsign(' w1abc '), { ok: true, callsign: 'W1ABC' });
  assert.equal(checkCallsign('KB5MU-11').ok, true);
  for (const bad of ['', 'W1ABC\nallow EVIL', 'bad call', '---', '/', 'W1ABC#', 'A'.repeat(20), 'ÄBC']) {
    const r = checkCallsign(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
    if (!r.ok) assert.ok(r.reason.length > 0);
  }
});

test('the ACL parser reads entries, skips comments, and refuses what is not a callsign', () => {
  assert.deepEqual(parseAclLine('DENY w1bad  # noisy'), { ok: true, entry: { action: 'deny', callsign: 'W1BAD' } });
  assert.deepEqual(parseAclLine('   # only a comment'), { ok: true, entry: null });
  assert.equal(parseAclLine('deny BAD CALL').ok, false);
  assert.equal(parseAclLine('allow ---').ok, false);
  assert.equal(parseAclLine('allow W1@BC').ok, false);
});

test('the file is read line by line with the protocol callsign rules; a bad line names itself', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-acl-'));
  try {
    const file = path.join(dir, 'acl');
    writeFileSync(file, 'deny N0CALL\ndeny W1BAD'); // no final newline
    const acl = new AccessList([], [], file);
    assert.deepEqual(acl.reload(), { allow: 0, deny: 2 });
    writeFileSync(file, 'deny N0CALL\ndeny W1ABC\nallow EVIL ONE\n');
    assert.throws(() => acl.reload(), /acl:3: /);
    assert.equal(acl.permits('W1BAD'), false, 'a failed reload keeps the lists it had');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
