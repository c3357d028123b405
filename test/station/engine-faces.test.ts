import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StationEngine } from '../../src/station/engine.js';
import { DEFAULT_STATION_SETTINGS } from '../../src/station/settings.js';
import { SimStation } from '../helpers/sim-station.js';

// A station says nothing to the server beyond keepalives until a face listens: on a busy
// machine the server's answers (the room, a refusal, "no such room") once came back before
// line mode had attached, and went unsaid.

test('the extension begins when a face listens, not when the engine starts', async (t) => {
  // A stand-in server on loopback that records what the station sends.
  const server = new SimStation('K0SRV', { host: '127.0.0.1', port: 9 });
  t.after(() => server.close());
  await server.bound;
  const engine = new StationEngine({
    ...DEFAULT_STATION_SETTINGS,
    callsign: 'W1ABC',
    server: '127.0.0.1',
    port: server.port,
    listenPort: 0,
    audioIn: { kind: 'none' },
    audioOut: { kind: 'none' },
    dataDir: mkdtempSync(path.join(tmpdir(), 'opv-faces-')),
  });
  t.after(() => engine.close());
  await engine.start();
  await server.until(() => server.controls('W1ABC').some((c) => c.startsWith('KEEPALIVE:')), 5000, 'the first keepalive');
  // Longer than the station's first tick: nothing of the extension goes out on its own.
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(server.controls('W1ABC').filter((c) => c.startsWith('OPV-')), []);
  engine.facesListening();
  engine.facesListening();
  await server.until(() => server.controls('W1ABC').includes('OPV-EXT:1'), 5000, 'OPV-EXT:1');
  assert.equal(server.controls('W1ABC').filter((c) => c === 'OPV-EXT:1').length, 1, 'announced once');
});
