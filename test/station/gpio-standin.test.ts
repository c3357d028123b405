import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { GpioSim } from '../helpers/gpio-sim.js';

/**
 * The stand-in tools are only as good as their likeness: where the real libgpiod 1.6
 * tools are installed (Debian 12, scripts/setup.sh) the 1.6 stand-ins must answer every
 * one of these invocations exactly as they do, on a machine without GPIO chips. (2.x
 * follows tools/*.c of libgpiod v2.2.x; no 2.x binary is available here to compare.)
 */
const CASES: string[][] = [
  ['gpiomon', '-c', 'gpiochip0', '23'],
  ['gpiomon', '--bogus'],
  ['gpiomon'],
  ['gpiomon', 'gpiochip0'],
  ['gpiomon', '-B'],
  ['gpiomon', '-B', 'bogus', 'gpiochip0', '1'],
  ['gpiomon', '--bias=pull-up', '-l', '-b', '-F', '%e', 'gpiochip0', 'GPIO23'],
  ['gpiomon', '-B', 'pull-up', '-l', '-b', '-F', '%e', 'gpiochip9', '23'],
  ['gpiomon', '-b', 'pull-up', '-c', '0', '23'],
  ['gpioset', '--mode=bogus', 'gpiochip0', '1=1'],
  ['gpioset', 'gpiochip0', '1=2'],
  ['gpioset', 'gpiochip0', 'GPIO1=1'],
  ['gpioset', '-m', 'signal'],
  ['gpioset', '--mode=signal', 'gpiochip0'],
  ['gpioset', '--mode=signal', 'gpiochip0', '17=1'],
  ['gpioset', '-c', 'gpiochip0', '17=1'],
  ['gpiofind'],
  ['gpiofind', 'GPIO23'],
  ['gpiofind', 'a', 'b'],
  ['gpiodetect'],
  ['gpiodetect', 'x'],
];

test('the libgpiod 1.6 stand-ins answer as the real 1.6 tools do', (t) => {
  const real = spawnSync('gpiomon', ['--version'], { encoding: 'utf8' });
  if (real.error || !/v1\.6\./.test(real.stdout)) {
    t.skip(`no real libgpiod 1.6 tools here (${real.error ? 'gpiomon not installed' : real.stdout.split('\n')[0]}): not compared`);
    return;
  }
  const sim = new GpioSim(1, []);
  for (const [tool, ...args] of CASES) {
    const r = spawnSync(tool!, args, { encoding: 'utf8' });
    const s = spawnSync(tool!, args, { encoding: 'utf8', env: sim.env() });
    const what = [tool, ...args].join(' ');
    assert.equal(s.status, r.status, `${what}: exit status`);
    assert.equal(s.stderr, r.stderr, `${what}: stderr`);
    assert.equal(s.stdout, r.stdout, `${what}: stdout`);
  }
  const v = spawnSync('gpiomon', ['--version'], { encoding: 'utf8', env: sim.env() });
  assert.equal(v.stdout.split('\n')[0], real.stdout.split('\n')[0]);
});
