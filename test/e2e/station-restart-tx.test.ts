/**
 * A transmission interrupted by a short server restart (issue 19, item 4): the listener
 * keeps it as one history entry, with the frames it missed counted as lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Proc } from '../helpers/proc.js';
import { opvBin, speechWav } from '../helpers/paths.js';
import { startServer, startStation } from './support/stations.js';

test('a transmission cut by a 0.4 s server restart is one history entry with its loss counted', async (t) => {
  const srv = await startServer(['--stats-interval', '0'], t);
  const a = await startStation('W1ABC', srv.port, ['--audio-in', speechWav, '--no-audio'], { t });
  const b = await startStation('VE3XYZ', srv.port, ['--no-audio'], { t });
  await a.proc.waitForLine(/🔗 connected/);
  await b.proc.waitForLine(/🔗 connected/);
  a.proc.sendLine('/ptt on');
  await b.proc.waitForLine(/🎤 W1ABC: PTT was pressed/);
  // Two seconds into the ~7 s file, the server goes away for 0.4 s and comes back on the same port.
  // Both waits are fixed on purpose: they place the outage in the transmission and make it last.
  await new Promise((r) => setTimeout(r, 2000));
  await srv.proc.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 400));
  const again = new Proc(opvBin, ['server', '-H', '127.0.0.1', '-p', String(srv.port), '--no-stats', '--stats-interval', '0']);
  t.after(() => again.stop('SIGKILL'));
  await again.waitForLine(/Server ready for connections/);
  const line = await b.proc.waitForLine(/^📼 #\d+ .*⬅ W1ABC transmission [\d.]+ s, (\d+) frames, (\d+) lost$/, 30_000);
  // Settled: no second entry follows for the rest of the same transmission.
  await a.proc.waitForLine(/PTT was released|📼 #\d+ .*➡ W1ABC transmission/, 30_000);
  // A quiet window: a second entry, if any, would be written in it.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(b.proc.count(/^📼 #\d+ .*⬅ W1ABC transmission/), 1, 'one entry');
  const [, frames, lost] = /(\d+) frames, (\d+) lost/.exec(line)!;
  // The whole file is ~184 frames; the restart cost at least the 0.4 s the server was away.
  assert.ok(Number(frames) >= 175 && Number(frames) <= 190, line);
  assert.ok(Number(lost) >= 10 && Number(lost) < Number(frames) / 2, line);
});
