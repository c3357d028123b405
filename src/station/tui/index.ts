import blessed from 'blessed';
import { patchBlessedWidths } from '../../util/cell-width.js';
import { inert } from '../../util/inert-text.js';
import { debugLog } from '../../util/debug-log.js';
import { voiceTotals } from '../counters.js';
import { defaultExportName, exportsDir } from '../exports.js';
import { noticeText } from '../notice-text.js';
import type { StationSettings } from '../settings.js';
import type { HistoryEntry } from '../types.js';
import { createBanner } from './banner.js';
import { createChatLine } from './chat-line.js';
import { clock, escape } from './format.js';
import { createHeader } from './header.js';
import { createStationsPanel } from './stations-panel.js';
import { createSysopBar } from './sysop-bar.js';
import { helpLines } from './help.js';
import { createHistoryPanel } from './history-panel.js';
import { NoticeLine, type NoticeKind } from './notices.js';
import { showPopup, type Popup } from './popup.js';
import { statusLines } from './status-view.js';
import { kittyFilteredInput } from './kitty-input.js';
import { speechTag } from '../commands/index.js';
import { fitHints, keyHint, stateTag } from './key-hints.js';
import { showRoomList, type RoomList } from './room-list.js';
import { noRoomsText, noRoomText, roomChangeText, roomNoteWanted, roomsMatter, roomsText } from '../room-text.js';
import { keyName } from '../ptt/keys.js';
import { wrapCells } from '../../util/cell-width.js';
import { commandHelp, type CommandOutput, type StationCore } from '../commands/index.js';
import { confirmBox } from './confirm.js';
import { KITTY_DISABLE, KITTY_ENABLE, KITTY_QUERY, kittyKeyFor, type KittyKey } from '../ptt/kitty.js';
import { exitWithError } from '../../errors.js';
import { ExitPath } from '../exit.js';

const HEARD_WIDTH = 24;
/** Bracketed paste: the terminal marks pasted text, so a paste is one event, not keystrokes. */
const BRACKETED_PASTE_ON = '\x1b[?2004h';
const BRACKETED_PASTE_OFF = '\x1b[?2004l';
const STATUS_KEY = 'C-o';
/** Opens the room list; F4 when the operator made Ctrl+R the PTT key. */
const roomKeyFor = (pttKey: string): string => (pttKey === 'C-r' ? 'f4' : 'C-r');
const log = debugLog('station', 'tui');

/**
 * The full-screen station: a composition root that builds the panels over the engine
 * and routes keys. No station logic lives here. Resolves when the operator leaves.
 */
export async function runTui(core: StationCore, settings: StationSettings, opts: { debugLog?: string | null } = {}): Promise<void> {
  const engine = core.view;
  const pttKey = settings.ptt.key;
  const roomKey = roomKeyFor(pttKey);
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
      say(`hold-to-talk: hold ${keyName(pttKey)} while you speak`, 'ok');
      setStatus();
    },
    (text) => onPaste(text),
  );
  let onPaste: (text: string) => void = () => undefined;
  patchBlessedWidths((blessed as unknown as { unicode: Parameters<typeof patchBlessedWidths>[0] }).unicode);
  const screen = blessed.screen({ input: kin.input, output: process.stdout, smartCSR: true, fullUnicode: true, title: `opv ${engine.callsign}`, autoPadding: true });
  // Unicode line drawing instead of ACS when the terminal takes UTF-8 (it already gets ●, ▶…):
  // ACS comes out as "lqqk" through PuTTY/mosh and in tmux captures.
  const tput = (screen as unknown as { tput: { unicode: boolean; brokenACS: boolean } }).tput;
  if (tput.unicode) tput.brokenACS = true;
  // Only a prompt grabs the keyboard (blessed's textbox); leaving must work even then.
  (screen as unknown as { ignoreLocked: string[] }).ignoreLocked = ['C-c', 'C-q'];
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  /** A popup or prompt is open: the global keys wait. */
  let modal = 0;

  const restore = (): void => {
    kin.close();
    process.stdout.write(BRACKETED_PASTE_OFF);
    if (holdMode) process.stdout.write(KITTY_DISABLE);
    try {
      screen.destroy();
    } catch {
      /* the terminal is already gone */
    }
  };
  const crash = (err: unknown): void => {
    restore();
    exitWithError(err);
  };
  // Before bin/opv's own handler, which exits: the terminal must be restored first.
  process.prependOnceListener('uncaughtException', crash);
  process.prependOnceListener('unhandledRejection', crash);

  const problems = (): string => {
    const c = engine.stats();
    const t = voiceTotals(c);
    const n = c.invalidFrames + c.decodeErrors + t.corrupt + t.misfit;
    return n > 0 ? `  {yellow-fg}⚠ ${n} bad (${STATUS_KEY}){/yellow-fg}` : '';
  };
  const header = createHeader(screen, engine, problems);
  const history = createHistoryPanel(screen, engine, { top: 1, bottom: 8, right: HEARD_WIDTH });
  const heard = createStationsPanel(screen, engine, { top: 1, bottom: 8, width: HEARD_WIDTH });
  createSysopBar(screen, engine, { top: 1, right: HEARD_WIDTH });
  const banner = createBanner(screen, engine, { bottom: 5 });
  const noticeBox = blessed.box({ parent: screen, left: 1, right: 1, bottom: 4, height: 1, tags: true, wrap: false });
  // A notice longer than the line wraps: the panels above make room for it.
  const notices = new NoticeLine(noticeBox, () => screen.render(), (rows) => {
    banner.box.bottom = 4 + rows;
    history.box.bottom = 7 + rows;
    heard.box.bottom = 7 + rows;
    history.render();
  });
  const chat = createChatLine(screen, {
    bottom: 1,
    ignore: (k) => modal > 0 || [pttKey, STATUS_KEY, roomKey, 'tab', 'f1', 'f2', 'C-c', 'C-q'].includes(k.full ?? ''),
    // The one command table (commands/): a line starting with "/" is never sent as chat.
    onSubmit: (text) => void core.run(text, out, 'tui'),
  });
  const status = blessed.box({ parent: screen, left: 0, right: 0, bottom: 0, height: 1, tags: true, wrap: false, style: { bg: 'blue', fg: 'white' } });
  function setStatus(): void {
    const mode = holdMode ? 'hold' : 'PTT';
    // The chat line says why Enter does not send at once while on air, and how much waits.
    const waiting = engine.bufferedCount ? ` (${engine.bufferedCount} buffered)` : '';
    chat.setLabel(engine.pttActive ? ` Chat — on air: sent when you unkey${waiting} ` : ` Chat${waiting} `);
    const speech = speechTag(engine.speech.state);
    const parts = [
      keyHint(keyName(pttKey), mode, 9),
      keyHint(keyName('enter'), 'send', 1),
      keyHint(keyName('tab'), 'history', 3),
      keyHint(keyName('f1'), 'help', 8),
      keyHint(keyName(STATUS_KEY), 'status', 2),
      // Only where the server has rooms: elsewhere the key would only say "no rooms".
      ...(roomsMatter(engine.roomInfo()) ? [keyHint(keyName(roomKey), 'room', 4)] : []),
      keyHint(keyName('C-c'), 'quit', 7),
    ];
    if (engine.bufferedCount) parts.push(stateTag(`{yellow-fg}${engine.bufferedCount} buffered{/yellow-fg}`, `${engine.bufferedCount} buffered`));
    if (speech) parts.push(stateTag(`{cyan-fg}🗣 ${speech}{/}`, `🗣 ${speech}`));
    status.setContent(fitHints(parts, status.width as number));
  }
  function say(text: string, kind: NoticeKind = 'warn', about: string | null = null): void {
    notices.show(text, kind, about);
  }
  const levelKind = (l: 'info' | 'warn' | 'error'): NoticeKind => (l === 'error' ? 'error' : l === 'warn' ? 'warn' : 'info');
  // Shown together: the notice line holds one notice, and both halves matter.
  const startup = engine.startupNotices.map((n) => {
    log('startup notice: %s', inert(n.text));
    return noticeText(n);
  });
  const noMic = startup.some((t) => t.startsWith('no microphone'));
  const noOut = startup.some((t) => t.startsWith('no audio output'));
  const shown = startup.filter((t) => !(noMic && noOut && /^no (microphone|audio output)/.test(t)));
  if (noMic && noOut) shown.unshift('no sound card: chat works, PTT disabled, voice is kept in history only');
  if (shown.length) say(shown.join(' · '), engine.startupNotices.some((n) => n.level === 'error') ? 'error' : 'warn');
  if (settings.ptt.mode === 'hold') say('waiting for the terminal to confirm key-release reports; PTT toggles until then', 'info');
  process.stdout.write(KITTY_QUERY);
  process.stdout.write(BRACKETED_PASTE_ON);

  // The station's one PTT controller (ptt/controller.ts): time-out, refusals and LED are its.
  onKittyKey = (k) => {
    if (!holdMode || pttCode === null || k.code !== pttCode.code || (k.mods & ~1) !== pttCode.mods) return false;
    if (modal > 0) return true;
    if (k.event !== 'repeat') core.pttHold(k.event === 'press', 'key');
    renderAll();
    return true;
  };

  let statusView: Popup | null = null;
  const renderAll = (): void => {
    header.render();
    heard.render();
    banner.render();
    setStatus();
    statusView?.setContent(statusLines(engine, statusExtra()));
    screen.render();
  };
  const statusExtra = (): string[] => (opts.debugLog ? ['', `diagnostic log: ${opts.debugLog}`] : []);
  engine.on('history', () => {
    history.refresh();
    screen.render();
  });
  engine.on('chat', (c) => {
    if (c.direction === 'in') notices.heard(c.callsign);
    history.refresh();
    screen.render();
  });
  engine.on('ptt', (p) => {
    if (!p.local) notices.heard(p.callsign);
  });
  for (const ev of ['tx', 'rx', 'heard', 'link', 'linkView', 'buffered', 'ptt'] as const) engine.on(ev, renderAll);
  engine.speech.on('state', renderAll);
  engine.on('notice', (n) => {
    log('notice: %s', inert(n.text));
    say(noticeText(n), levelKind(n.level));
  });
  engine.on('left', (l) => say(`${l.callsign} left the conference`, 'info', l.callsign));

  // ---- rooms: the engine's room state is the one source; these are its words and the chooser ----
  let roomList: RoomList | null = null;
  const x = engine.ext;
  x.on('room', (r) => {
    if (roomNoteWanted(r, x.roomInfo())) say(roomChangeText(r), 'ok');
  });
  x.on('rooms', (r) => {
    if (roomList !== null) roomList.update(r.rooms, x.roomInfo().current);
    else if (r.asked) say(roomsText(r.rooms, x.roomInfo().current), 'info');
  });
  x.on('noRoom', (n) => say(noRoomText(n.room, n.rooms), 'warn'));
  x.on('noRooms', (n) => {
    if (n.wanted !== null) say(noRoomsText(n.reason), 'warn');
  });
  engine.on('room', (r) => {
    screen.title = r.current === null || !roomsMatter(r) ? `opv ${engine.callsign}` : `opv ${engine.callsign} · ${r.current}`;
    renderAll();
  });
  const askRoom = (name: string): void => void core.run(`/room ${name}`, out, 'tui');
  const openRooms = (): void => {
    if (modal > 0) return;
    const info = engine.roomInfo();
    if (info.offered === false) {
      say(noRoomsText('no_rooms'), 'warn');
      return;
    }
    const back = screen.focused === history.box ? () => history.box.focus() : focusChat;
    modal++;
    roomList = showRoomList(screen, {
      rooms: info.rooms,
      current: info.current,
      onClose: () => {
        modal--;
        roomList = null;
        back();
      },
      onChoose: askRoom,
    });
    // The counts change: a fresh list replaces the one from the WELCOME.
    core.requestRooms();
  };
  const tick = setInterval(() => {
    if (engine.pttActive) renderAll();
  }, 250);
  // Counters and "last heard" change without events.
  const slowTick = setInterval(renderAll, 1000);

  // The way out (exit-machine.ts), shared with line mode: BYE once; a hung close or a second signal ends it anyway.
  const exitPath = new ExitPath({
    close: async () => {
      clearInterval(tick);
      clearInterval(slowTick);
      notices.dispose();
      noticeBox.setContent('leaving…');
      screen.render();
      await core.close();
    },
    signOff: () => {
      restore();
      // The screen is gone: the last word stays in the terminal, as line mode's does.
      process.stdout.write(`👋 ${engine.callsign} signing off: BYE sent, 73\n`);
    },
    forced: (why) => {
      restore();
      process.stdout.write(`⚠️  ${why === 'timeout' ? 'the station did not close in time' : 'asked again'}: leaving without waiting\n`);
    },
    exit: (code) => {
      if (code !== 0) process.exit(code);
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
      unwatchSignals();
      finished();
    },
  });
  const leave = async (): Promise<void> => {
    exitPath.request('quit');
    await done;
  };

  const focusChat = (): void => {
    history.live();
    chat.box.focus();
    screen.render();
  };
  const popup = (label: string, lines: string[], onClose: () => void = focusChat, wrap = false): Popup => {
    modal++;
    return showPopup(screen, {
      label,
      lines,
      wrap,
      onClose: () => {
        modal--;
        onClose();
      },
    });
  };
  screen.key(['C-c', 'C-q'], () => void leave());
  // Killed, or the terminal closed: leave as on Ctrl+C (BYE, screen and keyboard restored).
  const unwatchSignals = exitPath.watchSignals();
  screen.key([pttKey], () => {
    if (modal > 0) return;
    core.pttPress('key');
    renderAll();
  });
  screen.key(['tab'], () => {
    if (modal > 0) return;
    if (screen.focused === chat.box) history.box.focus();
    else focusChat();
    screen.render();
  });
  const openHelp = (): void => {
    if (modal > 0) return;
    const back = screen.focused === history.box ? () => history.box.focus() : focusChat;
    // The commands' own help lines (the same table as line mode), wrapped to the screen.
    const w = Math.max(30, Math.min((screen.width as number) - 6, 90));
    const commands = commandHelp().flatMap((l) => {
      // Continuation lines hang under the help text, past the command column.
      const indent = /^\s*\S+(?: \S+)*\s{2,}/.exec(l)?.[0].length ?? 6;
      const [first = ''] = wrapCells(l, w);
      return [first, ...wrapCells(l.slice(first.length).trimStart(), w - indent).filter((p) => p !== '').map((p) => ' '.repeat(indent) + p)];
    });
    popup(' Help ', helpLines(pttKey, settings.ptt.timeoutS, exportsDir(), holdMode, roomKey, commands), back);
  };
  const openStatus = (): void => {
    if (modal > 0) return;
    const back = screen.focused === history.box ? () => history.box.focus() : focusChat;
    statusView = popup(' Status ', statusLines(engine, statusExtra()), () => {
      statusView = null;
      back();
    });
  };
  screen.key(['f1'], openHelp);
  screen.key(['f2'], () => {
    if (modal > 0) return;
    const on = !engine.speech.state.enabled;
    say(on ? 'chat is read aloud (F2 to stop)' : 'chat is no longer read aloud', 'ok');
    void core.run(`/speak ${on ? 'on' : 'off'}`, out, 'tui');
  });
  screen.key([STATUS_KEY], openStatus);

  /** Where the chat line's commands answer: a notice, or a box for results of several lines. */
  const out: CommandOutput = {
    say: (text, kind = 'info') => say(text, kind),
    block: (kind, title, lines) => {
      if (kind === 'help') openHelp();
      else if (kind === 'status') openStatus();
      else if (modal === 0) popup(` ${title} `, lines, focusChat, true);
    },
    quit: () => leave(),
    clear: () => notices.clear(),
  };

  // A paste of several lines is sent only when the operator says so, once for all of them.
  onPaste = (text: string): void => {
    const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
    if (modal > 0 || lines.length === 0) return;
    focusChat();
    if (lines.length === 1) {
      chat.insert(lines[0]!);
      return;
    }
    modal++;
    confirmBox(screen, {
      label: ' Paste ',
      text: `Send the ${lines.length} pasted lines as ${lines.length} chat messages?`,
      keys: 'y / Enter: send them · n / Esc: send nothing',
      onAnswer: (yes) => {
        modal--;
        if (yes) {
          for (const l of lines) void core.run(l.startsWith('/') ? `/${l}` : l, out, 'tui');
          say(`${lines.length} pasted lines sent`, 'ok');
        } else say(`paste of ${lines.length} lines not sent`, 'info');
        focusChat();
      },
    });
  };

  // Typing while the history has the focus goes to the chat line (e and ? are the history's).
  history.box.on('keypress', (ch: string | undefined, key: { ctrl?: boolean; meta?: boolean; full?: string }) => {
    if (modal > 0 || !ch || key.ctrl || key.meta || /[\u0000-\u001f\u007f]/.test(ch) || ch === 'e' || ch === '?') return;
    focusChat();
    chat.insert(ch);
  });
  screen.key([roomKey], openRooms);
  history.box.key(['?'], openHelp);
  history.box.key(['escape'], focusChat);
  history.box.key(['enter'], () => {
    log('enter in history (modal %d, entry %o)', modal, history.selected()?.id);
    if (modal > 0) return;
    const e = history.selected();
    if (!e) return;
    if (e.type === 'chat') {
      popup(` #${e.id} ${clock(e.at)} ${e.direction === 'in' ? 'from' : 'to'} ${inert(e.callsign)} `, [inert(e.text)], () => history.box.focus(), true);
      return;
    }
    if (e.open) {
      say(`#${e.id} is still on the air: replay it when it has ended`, 'info');
      return;
    }
    say(`▶ replaying #${e.id} ${e.callsign}`, 'ok');
    core.play(e).then(
      () => say(`replay of #${e.id} done`, 'ok'),
      (err: Error) => say(err.message, 'error'),
    );
  });
  history.box.key(['e'], () => {
    if (modal > 0) return;
    const e = history.selected();
    if (e) exportPrompt(e);
  });
  const exportPrompt = (e: HistoryEntry): void => {
    if (e.type === 'transmission' && e.open) {
      say(`#${e.id} is still on the air: export it when it has ended`, 'info');
      return;
    }
    modal++;
    const width = Math.min((screen.width as number) - 2, 78);
    const prompt = blessed.prompt({ parent: screen, top: 'center', left: 'center', width, height: 11, border: 'line', tags: true, label: ' Export ' });
    const what = e.type === 'chat' ? '.txt' : '.wav/.ogg';
    const text = `Export #${e.id} to file (${what}):\n{cyan-fg}a bare name is saved in ${escape(exportsDir())}{/cyan-fg}`;
    prompt.input(text, defaultExportName(e), (err, file) => {
      prompt.destroy();
      modal--;
      if (!err && file) {
        core.exportEntry(e, file.trim()).then(
          (full) => say(`#${e.id} written to ${full}`, 'ok'),
          (x: Error) => say(x.message, 'error'),
        );
      }
      history.box.focus();
      screen.render();
    });
  };
  screen.on('resize', () => {
    history.render();
    chat.render();
    renderAll();
  });

  renderAll();
  focusChat();
  core.facesListening();
  await done;
}
