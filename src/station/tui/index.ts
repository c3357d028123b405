import blessed from 'blessed';
import type { StationEngine } from '../engine.js';
import type { StationSettings } from '../settings.js';
import { createBanner } from './banner.js';
import { escape } from './format.js';
import { createHeader } from './header.js';
import { createStationsPanel } from './stations-panel.js';
import { createSysopBar } from './sysop-bar.js';
import { helpText, showHelp } from './help.js';
import { createHistoryPanel } from './history-panel.js';
import { PttToggle } from './ptt-toggle.js';
import { kittyFilteredInput } from './kitty-input.js';
import { KITTY_DISABLE, KITTY_ENABLE, KITTY_QUERY, kittyKeyFor, type KittyKey } from '../ptt/kitty.js';

const HEARD_WIDTH = 24;
const LEAVE_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/**
 * The full-screen station: a composition root that builds the panels over the engine
 * and routes keys. No station logic lives here. Resolves when the operator leaves.
 */
export async function runTui(engine: StationEngine, settings: StationSettings): Promise<void> {
  const pttKey = settings.ptt.key === 'space' ? 'C-t' : settings.ptt.key;
  // Hold-to-talk where the terminal reports key release (kitty protocol), else toggle.
  const pttCode = kittyKeyFor(pttKey);
  let holdMode = false;
  let onKittyKey: (k: KittyKey) => boolean = () => false;
  const kin = kittyFilteredInput(
    process.stdin,
    (k) => onKittyKey(k),
    () => {
      if (holdMode || settings.ptt.mode === 'toggle' || pttCode === null) return;
      holdMode = true;
      process.stdout.write(KITTY_ENABLE);
      say(`hold-to-talk: hold ${pttKey} while you speak`, 'green');
      setStatus();
    },
  );
  const screen = blessed.screen({ input: kin.input, output: process.stdout, smartCSR: true, fullUnicode: true, title: `opv ${engine.callsign}`, autoPadding: true });
  // Unicode line drawing instead of ACS when the terminal takes UTF-8 (it already gets ●, ▶…):
  // ACS comes out as "lqqk" through PuTTY/mosh and in tmux captures.
  const tput = (screen as unknown as { tput: { unicode: boolean; brokenACS: boolean } }).tput;
  if (tput.unicode) tput.brokenACS = true;
  // Keys the chat line must not swallow while it has the focus.
  (screen as unknown as { ignoreLocked: string[] }).ignoreLocked = ['C-c', 'C-q', 'tab', 'f1', pttKey];
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let leaving = false;

  const restore = (): void => {
    kin.close();
    if (holdMode) process.stdout.write(KITTY_DISABLE);
    try {
      screen.destroy();
    } catch {
      /* the terminal is already gone */
    }
  };
  const crash = (err: unknown): void => {
    restore();
    process.stderr.write(`opv: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  };
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);

  const header = createHeader(screen, engine);
  const history = createHistoryPanel(screen, engine, { top: 1, bottom: 8, right: HEARD_WIDTH });
  const heard = createStationsPanel(screen, engine, { top: 1, bottom: 8, width: HEARD_WIDTH });
  createSysopBar(screen, engine, { top: 1, right: HEARD_WIDTH });
  const banner = createBanner(screen, engine, { bottom: 5 });
  const notice = blessed.box({ parent: screen, left: 1, right: 1, bottom: 4, height: 1, tags: true });
  const input = blessed.textbox({
    parent: screen,
    label: ' Chat ',
    left: 0,
    right: 0,
    bottom: 1,
    height: 3,
    border: 'line',
    inputOnFocus: true,
    keys: true,
    style: { border: { fg: 'grey' }, focus: { border: { fg: 'white' } } },
  });
  const status = blessed.box({ parent: screen, left: 0, right: 0, bottom: 0, height: 1, tags: true, style: { bg: 'black', fg: 'white' } });
  function setStatus(): void {
    const mode = holdMode ? 'hold' : 'PTT';
    const buffered = engine.bufferedCount ? `  {yellow-fg}${engine.bufferedCount} buffered{/}` : '';
    // The chat line says why Enter does not send at once while on air, and how much waits.
    const waiting = engine.bufferedCount ? ` (${engine.bufferedCount} buffered)` : '';
    input.setLabel(engine.pttActive ? ` Chat — on air: sent when you unkey${waiting} ` : ` Chat${waiting} `);
    status.setContent(` {bold}${pttKey}{/bold} ${mode}  {bold}Enter{/bold} send  {bold}Tab{/bold} history  {bold}F1/?{/bold} help  {bold}^C{/bold} quit${buffered}`);
  }
  function say(text: string, colour = 'yellow'): void {
    notice.setContent(`{${colour}-fg}${escape(text)}{/}`);
    screen.render();
  }
  for (const n of engine.startupNotices) say(n.text);
  if (settings.ptt.mode === 'hold') say('waiting for the terminal to confirm key-release reports; PTT toggles until then');
  process.stdout.write(KITTY_QUERY);

  const ptt = new PttToggle(
    (on) => engine.setPtt(on),
    () => engine.pttActive,
    settings.ptt.timeoutS * 1000,
    () => say(`transmission ended by the ${settings.ptt.timeoutS} s time-out`, 'red'),
  );

  onKittyKey = (k) => {
    if (!holdMode || pttCode === null || k.code !== pttCode.code || (k.mods & ~1) !== pttCode.mods) return false;
    if (k.event !== 'repeat') ptt.hold(k.event === 'press');
    renderAll();
    return true;
  };

  const renderAll = (): void => {
    header.render();
    heard.render();
    banner.render();
    setStatus();
    screen.render();
  };
  engine.on('history', () => {
    history.refresh();
    screen.render();
  });
  engine.on('chat', () => {
    history.refresh();
    screen.render();
  });
  for (const ev of ['tx', 'rx', 'heard', 'link', 'buffered', 'ptt'] as const) engine.on(ev, renderAll);
  engine.on('notice', (n) => say(n.text, n.level === 'error' ? 'red' : 'yellow'));
  engine.on('left', (l) => say(`${l.callsign} left the conference`, 'grey'));
  const tick = setInterval(() => {
    if (engine.pttActive) renderAll();
  }, 250);

  const leave = async (): Promise<void> => {
    if (leaving) return;
    leaving = true;
    clearInterval(tick);
    ptt.disarm();
    say('leaving…');
    await engine.close();
    restore();
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
    for (const sig of LEAVE_SIGNALS) process.off(sig, onSignal);
    finished();
  };

  const focusInput = (): void => {
    input.focus();
    screen.render();
  };
  screen.key(['C-c', 'C-q'], () => void leave());
  // Killed, or the terminal closed: leave as on Ctrl+C (BYE, screen and keyboard restored).
  const onSignal = (): void => void leave();
  for (const sig of LEAVE_SIGNALS) process.on(sig, onSignal);
  screen.key([pttKey], () => {
    ptt.press();
    renderAll();
  });
  screen.key(['tab'], () => {
    if (screen.focused === input) {
      (input as unknown as { cancel: () => void }).cancel();
      history.list.focus();
      screen.render();
    } else focusInput();
  });
  const openHelp = (): void => showHelp(screen, helpText(pttKey, settings.ptt.timeoutS, holdMode), focusInput);
  screen.key(['f1'], openHelp);
  history.list.key(['?'], openHelp);
  history.list.key(['enter'], () => {
    const e = history.selected();
    if (e?.type !== 'transmission') return;
    say(`▶ replaying #${e.id} ${e.callsign}`, 'green');
    engine.play(e.id).then(
      () => say(`replay of #${e.id} done`, 'green'),
      (err: Error) => say(err.message, 'red'),
    );
  });
  history.list.key(['e'], () => {
    const e = history.selected();
    if (e?.type !== 'transmission') return;
    const prompt = blessed.prompt({ parent: screen, top: 'center', left: 'center', width: 60, height: 8, border: 'line', tags: true, label: ' Export ' });
    prompt.input(`Export #${e.id} to file (.wav/.ogg):`, `opv-${e.callsign}-${e.id}.wav`, (err, file) => {
      prompt.destroy();
      if (!err && file) {
        engine.exportEntry(e.id, file).then(
          () => say(`#${e.id} written to ${file}`, 'green'),
          (x: Error) => say(x.message, 'red'),
        );
      }
      history.list.focus();
      screen.render();
    });
  });
  input.on('submit', (value: string) => {
    engine.sendChat(value);
    input.clearValue();
    focusInput();
  });
  input.on('cancel', () => undefined);
  screen.on('resize', renderAll);

  renderAll();
  focusInput();
  await done;
}
