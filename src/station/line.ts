import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { inert } from '../util/inert-text.js';
import { debugLog } from '../util/debug-log.js';
import { countersReport } from './counters.js';
import { entryNote } from './entry-notes.js';
import type { StationEngine } from './engine.js';
import { defaultExportName, exportHistoryEntry, exportsDir } from './exports.js';
import { noticeText } from './notice-text.js';
import type { HistoryEntry, LinkState, Notice } from './types.js';
import { speechLine, speechTag } from './speech/describe.js';
import type { SpeechState } from './speech/speech-queue.js';
import { attachExtLines } from './ext-lines.js';
import { linkViewText } from './link-view.js';
import { checkRoomName } from './settings.js';
import { currentRoomText, noRoomsText, roomRequestText, roomsMatter } from './room-text.js';

const log = debugLog('line');

const HELP = `Commands:
  <text>              send a chat line (buffered while PTT is active)
  /ptt [on|off]       key or unkey the transmitter (toggles without an argument);
                      with --audio-in FILE, PTT releases itself when the file ends
  /history [N]        list the last N history entries (default 20)
  /play N             replay transmission N through the audio output
  /export N [FILE]    write entry N: a transmission as .wav or .ogg/.opus, a chat line
                      as .txt; a bare name goes to ${exportsDir()}
  /speak [on|off]     read incoming chat aloud (espeak-ng); toggles without an argument
  status, /status     link, PTT, stations heard and the receive counters
  /who                who is on the server (or in your room), with what you heard from each
  /room [NAME]        show your room, or move to room NAME (opv servers with rooms;
                      asked when you release PTT if you are transmitting)
  /rooms              list the server's rooms and how many stations are in each
  clear               clear the screen
  quit, /quit         leave cleanly (BYE to the server); Ctrl+C does the same`;

/** Bare words that are commands in any letter case (QUIT, Quit…); everything else is chat. */
const BARE = new Set(['quit', 'exit', 'help', 'status', 'clear']);

/**
 * The plain line interface: one line in, one line out, for scripts, services and
 * headless Pis. Prints the reference station's phrases so existing habits carry over.
 * Everything received is shown inert: another station's text cannot move the cursor,
 * colour the terminal or start a line of its own.
 */
export class LineInterface {
  private readonly rl: Interface;
  private done!: () => void;
  private readonly finished = new Promise<void>((r) => (this.done = r));
  private lastLinkKind: LinkState['kind'] | null = null;
  /** Commands run one after another, so their results print in the order they were given. */
  private queue: Promise<void> = Promise.resolve();
  private quitting = false;
  private ext: { who(): string[] } | null = null;

  constructor(
    private readonly engine: StationEngine,
    private readonly input: Readable,
    private readonly output: Writable & { isTTY?: boolean },
  ) {
    this.rl = createInterface({ input, output, terminal: output.isTTY === true });
  }

  private get tty(): boolean {
    return this.output.isTTY === true;
  }

  private prompt(): string {
    const flags = [this.engine.pttActive ? 'PTT ACTIVE' : '', this.engine.bufferedCount ? `${this.engine.bufferedCount} buffered` : '', speechTag(this.engine.speech.state)]
      .filter(Boolean)
      .join(', ');
    return `[${this.engine.callsign}] Chat${flags ? ` (${flags})` : ''}> `;
  }

  say(text: string): void {
    if (this.quitting && this.tty) {
      this.output.write(`${text}\n`);
      return;
    }
    if (this.tty) {
      this.output.write(`\r\x1b[K${text}\n`);
      this.rl.setPrompt(this.prompt());
      this.rl.prompt(true);
    } else {
      this.output.write(text + '\n');
    }
  }

  async run(): Promise<void> {
    const e = this.engine;
    e.on('chat', (c) => {
      const who = `[${inert(c.callsign)}]: ${inert(c.text)}`;
      this.say(
        c.direction === 'in'
          ? `📨 ${who}`
          : c.delivery === 'held'
            ? `⏳ ${who} (held: sent when the server takes this station again)`
            : `📤 ${who}${c.delivery === 'unconfirmed' ? ' (no reply from server: not confirmed)' : ''}`,
      );
    });
    e.on('ptt', (p) => this.say(p.state === 'start' ? `🎤 ${inert(p.callsign)}: PTT was pressed` : `🔇 ${inert(p.callsign)}: PTT was released`));
    e.on('buffered', (n) => {
      if (n > 0) this.say(`⏳ message buffered until PTT release (${n} waiting)`);
    });
    e.on('history', (h) => {
      if (h.type === 'transmission' && !h.open) this.say(`📼 #${h.id} ${describe(h)}`);
      if (h.type === 'chat' && h.delivery === 'delayed') this.say(`📤 [${h.callsign}]: ${h.text} (delayed)`);
    });
    e.on('link', (l) => this.onLink(l));
    const notice = (n: Notice): void => this.say(`${n.level === 'error' ? '❌' : n.level === 'warn' ? '⚠️ ' : 'ℹ️ '} ${noticeText(n)}`);
    e.on('notice', notice);
    e.on('left', (l) => this.say(`👋 ${inert(l.callsign)} left the conference`));
    let speech: SpeechState | null = e.speech.state.enabled ? null : e.speech.state;
    const onSpeech = (s: SpeechState): void => {
      const line = speechLine(s, speech);
      speech = s;
      if (line) this.say(line);
    };
    e.speech.on('state', onSpeech);
    this.ext = attachExtLines(e, (l) => this.say(l));

    this.say(`📻 ${e.callsign} on ${inert(e.settings.server)}:${e.settings.port} — type a message, /help for commands`);
    for (const n of e.startupNotices) notice(n);
    if (speech === null) onSpeech(e.speech.state);
    this.rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.command(line.trim()));
    });
    this.rl.on('SIGINT', () => void this.quit());
    // Without a terminal, stdin may be /dev/null (a service): end of input is not "quit".
    if (this.tty) {
      this.rl.setPrompt(this.prompt());
      this.rl.prompt();
    }
    await this.finished;
  }

  private onLink(l: LinkState): void {
    if (l.kind === this.lastLinkKind) return;
    this.lastLinkKind = l.kind;
    if (l.kind === 'connected') this.say(`🔗 connected to server (round trip ${l.rttMs} ms)`);
    // A refused station has been told why; "no reply" would only mislead.
    else if (l.kind === 'no_reply' && this.engine.ext.refusal !== null) return;
    else if (l.kind === 'reference') this.say('🔗 reference server (no keepalive echo)');
    else if (l.kind === 'no_reply' && l.wasConnected) this.say(`📭 no reply from server for ${Math.round((Date.now() - l.sinceMs) / 1000)} s: chat is held until it answers`);
    else if (l.kind === 'no_reply') this.say('📭 no reply from server yet (a reference server never answers keepalives)');
    else if (l.kind === 'unreachable') this.say(`❌ server unreachable: ${inert(l.error)}`);
  }

  private entry(arg: string | undefined, usage: string): HistoryEntry {
    if (arg === undefined || !/^#?\d+$/.test(arg)) throw new Error(usage);
    const id = Number(arg.replace('#', ''));
    const entry = this.engine.history().find((h) => h.id === id);
    if (!entry) throw new Error(`no history entry ${id} (/history lists them)`);
    return entry;
  }

  private async command(line: string): Promise<void> {
    if (this.quitting) return;
    const e = this.engine;
    const [word = '', ...args] = line.split(/\s+/);
    const cmd = word.startsWith('/') || BARE.has(word.toLowerCase()) ? word.toLowerCase() : word;
    log('command %s', inert(cmd));
    try {
      switch (cmd) {
        case '':
          break;
        case 'quit':
        case '/quit':
        case 'exit':
        case '/exit':
          await this.quit();
          return;
        case '/help':
        case 'help':
          this.say(HELP);
          break;
        case 'clear':
        case '/clear':
          if (this.tty) this.output.write('\x1b[2J\x1b[H');
          break;
        case 'status':
        case '/status':
          this.say(this.status());
          break;
        case '/who':
          this.say(this.ext?.who().join('\n') ?? '');
          break;
        case '/room': {
          if (args.length > 1) throw new Error('usage: /room [NAME] (one room name; /rooms lists them)');
          const a = args[0];
          if (a === undefined) {
            this.say(`🚪 ${currentRoomText(e.roomInfo())}`);
            break;
          }
          const r = checkRoomName(a);
          if (!r.ok) throw new Error(r.error);
          const text = roomRequestText(r.room, e.ext.requestRoom(r.room), e.pttActive);
          if (text !== null) this.say(`🚪 ${text}`);
          break;
        }
        case '/rooms': {
          const out = e.ext.requestRooms();
          if (out === 'unsupported') this.say(`🚪 ${noRoomsText('no_rooms')}`);
          else if (out === 'queued' && e.pttActive) this.say('🚪 the list of rooms is asked for when you release PTT');
          break;
        }
        case '/ptt': {
          const a = args[0]?.toLowerCase();
          const want = a === 'on' ? true : a === 'off' ? false : a === undefined ? !e.pttActive : null;
          if (want === null) this.say('usage: /ptt [on|off]');
          else e.setPtt(want);
          break;
        }
        case '/speak': {
          const want = args[0] === 'on' ? true : args[0] === 'off' ? false : args[0] === undefined ? !e.speech.state.enabled : null;
          if (want === null) this.say('usage: /speak [on|off]');
          else await e.speech.setSpeakChat(want);
          break;
        }
        case '/history': {
          const a = args[0];
          if (a !== undefined && !/^[1-9]\d{0,6}$/.test(a)) throw new Error(`/history ${inert(a)}: N must be a whole number of entries, e.g. /history 50`);
          const list = e.history(a === undefined ? 20 : Number(a));
          if (list.length === 0) this.say('(history is empty)');
          for (const h of list) this.say(`#${h.id} ${describe(h)}`);
          break;
        }
        case '/play': {
          const entry = this.entry(args[0], 'usage: /play N (a transmission number from /history)');
          if (entry.type !== 'transmission') throw new Error(`#${entry.id} is a chat line, not a transmission: nothing to play`);
          if (entry.open) throw new Error(`#${entry.id} is still on the air: play it when it has ended`);
          const id = entry.id;
          const playing = e.play(id);
          this.say(`▶️  playing #${id}`);
          // The replay runs in the background: later commands need not wait for it to end.
          playing.then(
            () => this.say(`⏹️  #${id} done`),
            (err: unknown) => this.say(`❌ #${id}: ${inert(err instanceof Error ? err.message : String(err))}`),
          );
          break;
        }
        case '/export': {
          const entry = this.entry(args[0], 'usage: /export N [FILE] (.wav, .ogg or .opus; .txt for a chat line)');
          const name = args.slice(1).join(' ') || defaultExportName(entry);
          const file = await exportHistoryEntry(entry, name, (id, f) => e.exportEntry(id, f));
          this.say(`💾 #${entry.id} written to ${inert(file)}`);
          break;
        }
        default:
          if (cmd.startsWith('/')) this.say(`unknown command ${inert(cmd)} — /help lists them`);
          else e.sendChat(line);
      }
    } catch (err) {
      this.say(`❌ ${inert(err instanceof Error ? err.message : String(err))}`);
    }
    if (this.tty && !this.quitting) {
      this.rl.setPrompt(this.prompt());
      this.rl.prompt();
    }
  }

  private status(): string {
    const e = this.engine;
    const link = linkViewText(e.linkView());
    const heard = e.heardStations();
    return [
      `📊 ${e.callsign} → ${inert(e.settings.server)}:${e.settings.port} (${link})`,
      `   PTT: ${e.pttActive ? 'ACTIVE' : 'off'}; buffered chat: ${e.bufferedCount}`,
      ...(roomsMatter(e.roomInfo()) ? [`   room: ${currentRoomText(e.roomInfo())}`] : []),
      `   chat read aloud: ${e.speech.state.enabled ? speechTag(e.speech.state) || 'on' : 'off'}`,
      `   heard: ${heard.length ? heard.map((h) => `${inert(h.callsign)}${h.talking ? ' (talking)' : ''}`).join(', ') : 'nobody yet'}`,
      ...countersReport(e.stats()),
    ].join('\n');
  }

  async quit(): Promise<void> {
    if (this.quitting) return;
    // A newline first: Ctrl+C leaves the cursor on the prompt line.
    if (this.tty) this.output.write('\n');
    this.quitting = true;
    this.rl.close();
    this.input.destroy();
    await this.engine.close();
    this.output.write(`👋 ${this.engine.callsign} signing off: BYE sent, 73\n`);
    this.done();
  }
}

function describe(h: HistoryEntry): string {
  const when = new Date(h.at).toLocaleTimeString('en-GB', { hour12: false });
  const call = inert(h.callsign);
  if (h.type === 'chat') return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${call}: ${inert(h.text)}${entryNote(h)}`;
  return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${call} transmission ${(h.durationMs / 1000).toFixed(1)} s, ${h.frames} frames, ${h.framesLost} lost${h.open ? ' (on air)' : ''}${entryNote(h)}`;
}
