import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { intInRange, portOrAny } from '../../src/util/cli-parse.js';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InvalidArgumentError);
    return e.message;
  }
  assert.fail('no error');
};

test('a port flag takes 0 (any free port) or its range, and says which rule a bad value broke', () => {
  const port = portOrAny('--port', 1024);
  assert.equal(port('0'), 0);
  assert.equal(port('57372'), 57372);
  assert.equal(message(() => port('abc')), '--port must be a whole number, got "abc"');
  assert.equal(message(() => port('-1')), '--port must be a whole number, got "-1"');
  assert.equal(message(() => port('80')), '--port must be 0 (any free port) or between 1024 and 65535, got 80');
  assert.equal(message(() => port('70000')), '--port must be 0 (any free port) or between 1024 and 65535, got 70000');
  // The same words as every other whole-number flag.
  assert.equal(message(() => intInRange('--timeout', 1, 10)('x')), '--timeout must be a whole number, got "x"');
});
