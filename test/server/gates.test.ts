import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeCallsign, frameMessage, MessageBuilder } from '../../src/protocol/index.js';
import { RateLimiter } from '../../src/server/rate-limit.js';
import { AccessList } from '../../src/server/acl.js';
import { AdmissionGate } from '../../src/server/admission.js';
import { makeEndpoint } from '../../src/server/endpoint.js';

test('rate limiter allows the burst, refuses beyond it, and refills at the rate', () => {
  const rl = new RateLimiter(50, 10);
  let allowed = 0;
  for (let i = 0; i < 30; i++) if (rl.allow('a', 0)) allowed++;
  assert.equal(allowed, 10);
  assert.equal(rl.allow('b', 0), true, 'another source has its own bucket');
  assert.equal(rl.allow('a', 0), false);
  assert.equal(rl.allow('a', 20), true, '20 ms at 50/s refills one token');
  assert.equal(rl.allow('a', 20), false);
});

test('access list: deny wins, an allow list restricts, the file reloads', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'opv-acl-'));
  try {
    const file = path.join(dir, 'acl');
    writeFileSync(file, '# comment\ndeny w1bad\n');
    const acl = new AccessList([], ['N0PE'], file);
    assert.equal(acl.permits('W1BAD'), false);
    assert.equal(acl.permits('N0PE'), false);
    assert.equal(acl.permits('W1ABC'), true);
    writeFileSync(file, 'allow W1ABC\n');
    acl.reload();
    assert.equal(acl.permits('W1BAD'), false, 'not on the allow list');
    assert.equal(acl.permits('W1ABC'), true);
    assert.equal(acl.permits('N0PE'), false, 'CLI deny kept across reloads');
    writeFileSync(file, 'bogus line\n');
    assert.throws(() => acl.reload(), /expected "allow CALL" or "deny CALL"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function frames(callsign: string, line: string): Buffer[] {
  const b = new MessageBuilder({
    source: [10, 0, 0, 1],
    destination: [10, 0, 0, 2],
    sourcePorts: { voice: 57373, text: 57374, control: 57375 },
    initialIdentification: 1,
  });
  return frameMessage(encodeCallsign(callsign), b.text(line)).map((f) => Buffer.from(f));
}

test('admission completes only on a clean message and hands back all its frames', () => {
  const gate = new AdmissionGate();
  const ep = makeEndpoint('127.0.0.1', 4000);
  const id = encodeCallsign('W1ABC');
  const fs = frames('W1ABC', 'x'.repeat(400));
  assert.ok(fs.length > 1);
  let admitted = null;
  for (const [i, f] of fs.entries()) {
    admitted = gate.offer('W1ABC', id, ep, f);
    if (i < fs.length - 1) assert.equal(admitted, null, 'not before the message is complete');
  }
  assert.ok(admitted);
  assert.equal(admitted.frames.length, fs.length);
  assert.equal(gate.size, 0);
});

test('admission refuses corrupted messages and junk', () => {
  const gate = new AdmissionGate();
  const ep = makeEndpoint('127.0.0.1', 4001);
  const id = encodeCallsign('W1ABC');
  const fs = frames('W1ABC', 'hello');
  const bad = Buffer.from(fs[0]!);
  bad[40] = bad[40]! ^ 0xff;
  assert.equal(gate.offer('W1ABC', id, ep, bad), null);
  const junk = Buffer.alloc(134, 0x55);
  junk.set(fs[0]!.subarray(0, 12));
  for (let i = 0; i < 300; i++) assert.equal(gate.offer('W1ABC', id, ep, junk), null);
  assert.ok(gate.rejectedMessages >= 1);
  // Frames carry no start marker: the first clean message may be glued to the junk
  // before it and fail, but the one after it must admit.
  const first = gate.offer('W1ABC', id, ep, fs[0]!);
  assert.ok(first ?? gate.offer('W1ABC', id, ep, fs[0]!), 'a clean message after junk admits');
});
