/**
 * npm run bench:latency — mouth-to-ear delay over loopback through a real `opv server`:
 * a click is "spoken" into station A's microphone once a second while A transmits;
 * station B's output device sees it after capture framing, encoding, the scheduler,
 * the network and server, B's jitter buffer, decoding and the playout clock. The
 * output device's own buffer (hardware-dependent, ~20 ms with opv's ALSA pre-fill)
 * is not included; it is printed separately.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameClock } from '../src/audio/frame-clock.js';
import type { CaptureSource, PlaybackSink } from '../src/audio/types.js';
import { StationEngine } from '../src/station/engine.js';
import { DEFAULT_STATION_SETTINGS, type StationSettings } from '../src/station/settings.js';
import { Proc } from '../test/helpers/proc.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const opv = path.resolve(here, '..', '..', 'bin', 'opv');
const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 20;
const JITTER = Number(process.argv[process.argv.indexOf('--jitter') + 1]) || DEFAULT_STATION_SETTINGS.jitterFrames;
const CLICK_EVERY = 20; // frames: a click every 0.8 s
const CLICK_AT = 960; // sample within the frame where the click starts

/** A microphone that speaks a click at a known instant once a second. */
class ClickMic implements CaptureSource {
  readonly name = 'click mic';
  private readonly clock = new FrameClock({ intervalMs: 40 });
  readonly spokenAt: number[] = [];
  private n = 0;
  async start(onFrame: (pcm: Int16Array) => void): Promise<void> {
    this.n = 0;
    this.clock.start(() => {
      const pcm = new Int16Array(1920);
      if (this.n % CLICK_EVERY === 5) {
        for (let i = CLICK_AT; i < CLICK_AT + 480; i++) pcm[i] = i % 2 ? 20000 : -20000;
        // The frame is delivered when its last sample has been captured.
        this.spokenAt.push(performance.now() - ((1920 - CLICK_AT) / 48000) * 1000);
      }
      this.n++;
      onFrame(pcm);
    });
  }
  async stop(): Promise<void> {
    this.clock.stop();
  }
  async close(): Promise<void> {
    this.clock.stop();
  }
}

/** An output device that notes when the click reaches it. */
class ClickEar implements PlaybackSink {
  readonly name = 'click ear';
  readonly heardAt: number[] = [];
  private quiet = true;
  write(pcm: Int16Array): void {
    let at = -1;
    for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]!) > 2500) {
      at = i;
      break;
    }
    if (at >= 0 && this.quiet) this.heardAt.push(performance.now() + (at / 48000) * 1000);
    this.quiet = at < 0;
  }
  async close(): Promise<void> {}
}

const port = await freeUdpPort();
const server = new Proc(process.execPath, [opv, 'server', '-H', '127.0.0.1', '-p', String(port), '--stats-port', String(await freeTcpPort()), '--stats-interval', '0']);
await server.waitForLine(/Server ready/);
const base = (call: string, listenPort: number): StationSettings => ({
  ...DEFAULT_STATION_SETTINGS,
  callsign: call,
  server: '127.0.0.1',
  port,
  listenPort,
  jitterFrames: JITTER,
  audioIn: { kind: 'none' },
  audioOut: { kind: 'none' },
  dataDir: mkdtempSync(path.join(tmpdir(), `opv-bench-${call}-`)),
  // The ear listens for clicks: no chat pips or courtesy tones.
  chatCue: false,
  courtesyTone: false,
});
const mic = new ClickMic();
const ear = new ClickEar();
const a = new StationEngine(base('W1ABC', await freeUdpPort()), Date.now, { capture: mic });
const b = new StationEngine(base('VE3XYZ', await freeUdpPort()), Date.now, { sink: ear });
await a.start();
await b.start();
a.sendChat('hello');
b.sendChat('hello');
await new Promise((r) => setTimeout(r, 500));
// Many short transmissions, each keyed at a random moment: the receiver's playout clock
// runs on, so every phase between the two stations' 40 ms clocks gets its share, as
// between two real stations. Two clicks per transmission.
const rounds = Math.max(3, Math.round(SECONDS / 2.5));
for (let i = 0; i < rounds; i++) {
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 40));
  a.setPtt(true);
  await new Promise((r) => setTimeout(r, 1500));
  a.setPtt(false);
  await new Promise((r) => setTimeout(r, 500));
}
await a.close();
await b.close();
await server.stop();

// Each click is matched with the first arrival after it (a lost click must not shift the pairs).
const lat = mic.spokenAt
  .map((t) => ear.heardAt.find((h) => h > t && h - t < 600))
  .map((h, i) => (h === undefined ? NaN : h - mic.spokenAt[i]!))
  .filter((x) => Number.isFinite(x))
  .sort((x, y) => x - y);
const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))]!;
const mean = lat.reduce((x, y) => x + y, 0) / lat.length;
console.log(`bench:latency — mouth-to-ear over loopback through opv server, jitter target ${JITTER} frames, ${lat.length} clicks in ${rounds} transmissions`);
console.log(`  mouth → output device: min ${lat[0]!.toFixed(1)} ms, mean ${mean.toFixed(1)} ms, median ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms`);
console.log(`  (+ the output device buffer: about 20 ms on ALSA with opv's pre-fill; goal < 120 ms in total)`);
if (lat.length < mic.spokenAt.length - 1) {
  console.error(`only ${lat.length} of ${mic.spokenAt.length} clicks were heard — the figures are not valid`);
  process.exit(1);
}
