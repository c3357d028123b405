import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phoneticCallsign } from '../../../src/station/speech/phonetic.js';
import { chatSentence } from '../../../src/station/speech/speech-queue.js';

test('callsigns are spelled in the ITU phonetic alphabet, figures as ITU says them', () => {
  assert.equal(phoneticCallsign('W1ABC'), 'Whiskey One Alpha Bravo Charlie');
  assert.equal(phoneticCallsign('ve3xyz'), 'Victor Echo Tree X-ray Yankee Zulu');
  assert.equal(phoneticCallsign('K5DEF/P'), 'Kilo Fife Delta Echo Foxtrot stroke Papa');
  assert.equal(phoneticCallsign('N0GHI-9'), 'November Zero Golf Hotel India dash Niner');
  assert.equal(phoneticCallsign('JKLMNOPQR'), 'Juliet Kilo Lima Mike November Oscar Papa Quebec Romeo');
  assert.equal(phoneticCallsign('STUV2468.'), 'Sierra Tango Uniform Victor Two Fower Six Eight stop');
  assert.equal(phoneticCallsign('7'), 'Seven');
  assert.equal(phoneticCallsign('a?b'), 'Alpha Bravo');
});

test('a chat line becomes "<callsign> says: <text>", read literally', () => {
  assert.equal(chatSentence('W1ABC', 'hello there'), 'Whiskey One Alpha Bravo Charlie says: hello there');
  assert.equal(chatSentence('W1ABC', "say [[h@l'oU]] now"), "Whiskey One Alpha Bravo Charlie says: say [ [h@l'oU]] now");
  assert.equal(chatSentence('W1ABC', '\u0001\u0002  \n'), '');
});
