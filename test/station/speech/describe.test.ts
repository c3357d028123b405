import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speechLine, speechTag } from '../../../src/station/speech/describe.js';
import type { SpeechState } from '../../../src/station/speech/speech-queue.js';

const base: SpeechState = { enabled: true, available: true, queued: 0, playing: null, skipped: 0, waitingForChannel: false };
const st = (over: Partial<SpeechState>): SpeechState => ({ ...base, ...over });

test('the prompt tag says what speech is doing, and nothing when idle or off', () => {
  assert.equal(speechTag(base), '');
  assert.equal(speechTag(st({ enabled: false, queued: 3 })), '');
  assert.equal(speechTag(st({ queued: 2 })), 'speech: 2 queued');
  assert.equal(speechTag(st({ playing: 'W1ABC' })), 'speaking');
  assert.equal(speechTag(st({ playing: 'W1ABC', queued: 1 })), 'speaking, 1 queued');
  assert.equal(speechTag(st({ available: false })), 'speech unavailable');
});

test('line mode prints a line when speech starts, waits for the channel, or ends', () => {
  assert.match(speechLine(base, null)!, /chat is read aloud/);
  assert.match(speechLine(st({ enabled: false }), base)!, /no longer read aloud/);
  assert.equal(speechLine(st({ available: false }), null), null, 'the notice said it');
  assert.match(speechLine(st({ available: false }), st({ enabled: false, available: false }))!, /espeak-ng is missing/);
  assert.match(speechLine(st({ queued: 1, waitingForChannel: true }), base)!, /chat queued for speech.*1 waiting/);
  assert.equal(speechLine(st({ queued: 1 }), base), null, 'on a quiet channel it is spoken at once: no "queued" line');
  assert.equal(speechLine(st({ playing: 'K5XYZ', queued: 1 }), st({ queued: 2 })), "🗣️  speaking K5XYZ's message (1 more queued)");
  assert.match(speechLine(st({ playing: '' }), base)!, /skipped-messages notice/);
  assert.equal(speechLine(base, st({ playing: 'K5XYZ' })), '🔈 speech done');
  assert.equal(speechLine(st({ queued: 1 }), st({ playing: 'K5XYZ' })), null, 'between two lines');
});
