import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, startStation, type RunningServer } from './support/stations.js';
import { opvBin, speechWav } from '../helpers/paths.js';
import { GpioSim, pathWithoutGpioTools, piChip } from '../helpers/gpio-sim.js';

/**
 * GPIO PTT and the TX LED through stand-in libgpiod tools of each generation
 * (test/helpers/gpio-standin.ts) first on PATH of a real `opv station` talking to a real
 * `opv server`: the test presses the button, another station hears the transmission,
 * and the LED line is held lit while transmitting.
 */

// One server for the whole file, started by the first test that needs it; each test's
// stations stop with that test.
let server: RunningServer | null = null;
after(() => server?.proc.stop('SIGKILL'));
async function srv(): Promise<RunningServer> {
  server ??= await startServer();
  return server;
}

async function station(t: TestContext, call: string, extra: string[], env: NodeJS.ProcessEnv = {}) {
  return startStation(call, (await srv()).port, extra, { env, t });
}

for (const gen of [1, 2] as const) {
  test(`libgpiod ${gen === 1 ? '1.6' : '2.x'}: the GPIO button keys a transmission another station hears, and the LED is held lit meanwhile`, async (t) => {
    const sim = new GpioSim(gen, [{ name: 'gpiochip0', label: 'brcmvirt-gpio', lines: 8 }, piChip('gpiochip4', 'pinctrl-rp1', 54)]);
    const rx = await station(t, gen === 1 ? 'VE3XYZ' : 'VE3ABC', ['--no-audio']);
    // By number (found by its name GPIO23) on 1.6; by name on 2.x.
    const tx = await station(t, gen === 1 ? 'W1ABC' : 'W2ABC', ['--audio-in', speechWav, '--ptt-gpio', gen === 1 ? '23' : 'GPIO23', '--led-gpio', '17'], sim.env());
    const version = gen === 1 ? '1\\.6\\.3' : '2\\.2\\.1';
    await tx.proc.waitForLine(new RegExp(`GPIO PTT button: gpiochip4 line 23 \\(found by its name GPIO23; libgpiod ${version} tools\\), pressed to ground, bias pull-up`));
    await tx.proc.waitForLine(new RegExp(`GPIO TX LED: gpiochip4 line 17 \\(found by its name GPIO17; libgpiod ${version} tools\\)`));
    await sim.waitLed('gpiochip4', 17, '0 held');
    await tx.proc.waitForLine(/🔗 connected to server/);
    await rx.proc.waitForLine(/🔗 connected to server/);
    await sim.waitForRequest('gpiochip4', 23);
    const req = sim.request('gpiochip4', 23)!;
    assert.equal(req.activeLow, true);
    assert.equal(req.bias, 'pull-up');
    if (gen === 2) assert.equal(req.debounceUs, 30_000);

    sim.press('gpiochip4', 23);
    await tx.proc.waitForLine(new RegExp(`🎤 ${tx.callsign}: PTT was pressed`));
    await rx.proc.waitForLine(new RegExp(`🎤 ${tx.callsign}: PTT was pressed`));
    await sim.waitLed('gpiochip4', 17, '1 held');
    sim.release('gpiochip4', 23);
    await tx.proc.waitForLine(new RegExp(`🔇 ${tx.callsign}: PTT was released`));
    const heard = await rx.proc.waitForLine(new RegExp(`📼 #\\d+ .*⬅ ${tx.callsign} transmission [\\d.]+ s, (\\d+) frames`), 10_000);
    assert.ok(Number(/(\d+) frames/.exec(heard)![1]) > 0, heard);
    await sim.waitLed('gpiochip4', 17, '0 held');

    // Only the grammar of this generation was spoken.
    const calls = sim.calls();
    assert.ok(calls.includes(gen === 1 ? 'gpiofind GPIO23' : 'gpioinfo GPIO23'), calls.join('\n'));
    assert.equal(tx.proc.count(/invalid option|unrecognized option|stopped/), 0, tx.proc.output);
    assert.equal(await tx.proc.stop('SIGTERM'), 0);
    await sim.waitLed('gpiochip4', 17, 'released');
  });

  test(`libgpiod ${gen === 1 ? '1.6' : '2.x'}: a missing chip, a busy line and an active-high button on a given chip`, async (t) => {
    const sim = new GpioSim(gen, [piChip()]);
    const missing = await station(t, `K${gen}AAA`, ['--no-audio', '--ptt-gpio', '23', '--gpio-chip', 'gpiochip9'], sim.env());
    await missing.proc.waitForLine(/❌ no GPIO chip gpiochip9 \(this machine has gpiochip0 \[pinctrl-bcm2711\]\): check --gpio-chip; PTT stays on the keyboard/);
    missing.proc.sendLine('chat still works');
    await missing.proc.waitForLine(new RegExp(`📤 \\[K${gen}AAA\\]: chat still works`));

    sim.holdLine('gpiochip0', 23, process.pid);
    const busy = await station(t, `K${gen}BBB`, ['--audio-in', speechWav, '--ptt-gpio', 'GPIO23'], sim.env());
    await busy.proc.waitForLine(/❌ the PTT button \(gpiochip0 line 23\) is in use by another program \(gpioinfo shows its consumer\); PTT stays on the keyboard/);
    busy.proc.sendLine('/ptt on');
    await busy.proc.waitForLine(new RegExp(`🎤 K${gen}BBB: PTT was pressed`));
    busy.proc.sendLine('/ptt off');
    await busy.proc.waitForLine(new RegExp(`🔇 K${gen}BBB: PTT was released`));

    // An active-high button on line 5 of a chip given by number, bias off.
    const high = await station(t, `K${gen}CCC`, ['--audio-in', speechWav, '--ptt-gpio', '5', '--gpio-chip', '0', '--ptt-active-high', '--gpio-bias', 'pull-down'], sim.env());
    await high.proc.waitForLine(/GPIO PTT button: gpiochip0 line 5 \(found by --gpio-chip 0;.*active high, bias pull-down/);
    await sim.waitForRequest('gpiochip0', 5);
    assert.equal(sim.request('gpiochip0', 5)!.activeLow, false);
    sim.setLevel('gpiochip0', 5, 1);
    await high.proc.waitForLine(new RegExp(`🎤 K${gen}CCC: PTT was pressed`));
    sim.setLevel('gpiochip0', 5, 0);
    await high.proc.waitForLine(new RegExp(`🔇 K${gen}CCC: PTT was released`));
  });
}

test('no GPIO chip at all, and no libgpiod tools: one line each, the station works on', async (t) => {
  const none = new GpioSim(2, []);
  const a = await station(t, 'K5AAA', ['--no-audio', '--ptt-gpio', '23'], none.env());
  await a.proc.waitForLine(/❌ no GPIO chip on this machine \(gpiodetect lists none\): --ptt-gpio needs a Raspberry Pi or another GPIO chip; PTT stays on the keyboard/);
  const b = await station(t, 'K5BBB', ['--no-audio', '--ptt-gpio', '23', '--led-gpio', '17'], { PATH: pathWithoutGpioTools() });
  await b.proc.waitForLine(/❌ gpiomon not found: install the Debian package gpiod \(sudo apt install gpiod\); PTT stays on the keyboard/);
  b.proc.sendLine('hello without tools');
  await a.proc.waitForLine(/📨 \[K5BBB\]: hello without tools/);
  assert.equal(b.proc.count(/❌/), 1, b.proc.output);
});

test('a settings file may name the lines; a bad --ptt-gpio is refused in words', async () => {
  const out = (() => {
    try {
      execFileSync(process.execPath, [opvBin, 'station', 'K3AAA', '-i', '127.0.0.1', '--ptt-gpio', '23x'], { encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (e) {
      return String((e as { stderr: string }).stderr);
    }
  })();
  assert.match(out, /--ptt-gpio must be a line number \(0–1023\) or a line name such as GPIO23, got "23x"/);
});
