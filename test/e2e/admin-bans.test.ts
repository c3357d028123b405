import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAdmin, startServer, station } from './admin-harness.js';

const TOKEN = 'admin-bans-token';

test('opv admin: the ban list with unban (u), and an announcement (a) that reaches an opv station', async () => {
  const srv = await startServer(['--stats-token', TOKEN]);
  const auth = { authorization: `Bearer ${TOKEN}` };
  // A station that speaks the extension, and one to ban.
  const ext = await station('W1EXT', srv.port);
  ext.control('OPV-EXT:1');
  await ext.until(() => ext.controls('OPV-SRV').some((c) => c.startsWith('OPV:WELCOME 1 ')), 10_000, 'WELCOME');
  for (const call of ['K1BAD', 'N0PE']) {
    const r = await fetch(`${srv.url}/api/v1/stations/${call}/ban`, { method: 'POST', headers: auth });
    assert.equal(r.status, 200);
  }
  const t = await startAdmin(['--url', srv.url, '--token', TOKEN]);
  await t.waitForScreen(/a announce {2}u bans/);

  t.sendKeys('u');
  await t.waitForScreen((s) => /┌─ Bans ─/.test(s) && /u\/Enter unban/.test(s) && /K1BAD +since \d{4}-\d\d-\d\d/.test(s) && /N0PE/.test(s));
  // The first line (K1BAD) is selected: unban it.
  t.sendKeys('u');
  await t.waitForScreen(/Unban K1BAD: done — K1BAD unbanned/);
  await srv.proc.waitForLine(/UNBANNED: K1BAD/);
  const bans = (await (await fetch(`${srv.url}/api/v1/bans`, { headers: auth })).json()) as { bans: { callsign: string }[] };
  assert.deepEqual(bans.bans.map((b) => b.callsign), ['N0PE']);
  t.sendKeys('Escape');
  await t.waitForScreen((s) => !/┌─ Bans ─/.test(s) && /a announce {2}u bans/.test(s));

  t.sendKeys('a');
  await t.waitForScreen(/┌─ Announce 0\/200 ─/);
  t.type('net starts in 5 minutes');
  t.sendKeys('Enter');
  await t.waitForScreen(/Announcement: announced to 1 station/);
  await ext.until(() => ext.controls('OPV-SRV').includes('OPV:ANNOUNCE net starts in 5 minutes'), 10_000, 'the announcement');
  await srv.proc.waitForLine(/📢 ANNOUNCEMENT to 1 station: net starts in 5 minutes/);
});
