import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { inert } from '../util/inert-text.js';
import { debugLog } from '../util/debug-log.js';
import { noticeText } from './notice-text.js';
import type { LinkState, Notice } from './types.js';
import { speechLine, speechTag, type SpeechState } from './commands/index.js';
import { attachExtLines } from './ext-lines.js';
import { ExitPath } from './exit.js';
import { describeEntry, type CommandOutput, type StationCore, type StationView } from './commands/index.js';

const log = debugLog('station', 'line');

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
  private readonly view: StationView;
  /** Where command results go: printed, errors marked. */
  private readonly out: CommandOutput = {
    say: (text, kind) => this.say(`${kind === 'error' ? '❌ ' : ''}${inert(text)}`),
    block: (_kind, _title, lines) => this.say(lines.join('\n')),
    quit: () => this.quit(),
    clear: () => {
      if (this.tty) this.output.write('\x1b[2J\x1b[H');
    },
  };

  constructor(
    private readonly core: StationCore,
    private readonly input: Readable,
    private readonly output: Writable & { isTTY?: boolean },
  ) {
    this.view = core.view;
    this.rl = createInterface({ input, output, terminal: output.isTTY === true });
  }

  private get tty(): boolean {
    return this.output.isTTY === true;
  }

  private prompt(): string {
    const v = this.view;
    const flags = [v.pttActive ? 'PTT ACTIVE' : '', v.bufferedCount ? `${v.bufferedCount} buffered` : '', speechTag(v.speech.state)].filter(Boolean).join(', ');
    return `[${v.callsign}] Chat${flags ? ` (${flags})` : ''}> `;
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
    const e = this.view;
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
      if (h.type === 'transmission' && !h.open) this.say(`📼 #${h.id} ${describeEntry(h)}`);
      if (h.type === 'chat' && h.delivery === 'delayed') this.say(`📤 [${inert(h.callsign)}]: ${inert(h.text)} (delayed)`);
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
    attachExtLines(e, (l) => this.say(l));

    this.say(`📻 ${e.callsign} on ${inert(e.settings.server)}:${e.settings.port} — type a message, /help for commands`);
    for (const n of e.startupNotices) notice(n);
    // The server may have answered a keepalive before this face was listening (a slow start).
    this.onLink(e.linkState());
    this.core.facesListening();
    if (speech === null) onSpeech(e.speech.state);
    this.rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.command(line));
    });
    this.rl.on('SIGINT', () => this.exit.request('SIGINT'));
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
    else if (l.kind === 'no_reply' && this.view.ext.refusal !== null) return;
    else if (l.kind === 'reference') this.say('🔗 reference server (no keepalive echo)');
    else if (l.kind === 'no_reply' && l.wasConnected) this.say(`📭 no reply from server for ${Math.round((Date.now() - l.sinceMs) / 1000)} s: chat is held until it answers`);
    else if (l.kind === 'no_reply') this.say('📭 no reply from server yet (a reference server never answers keepalives)');
    else if (l.kind === 'unreachable') this.say(`❌ server unreachable: ${inert(l.error)}`);
  }

  /** One typed line through the command layer (the same table as the full-screen UI). */
  private async command(line: string): Promise<void> {
    if (this.quitting) return;
    log('line %s', inert(line.split(/\s/, 1)[0] ?? ''));
    await this.core.run(line, this.out, 'line');
    if (this.tty && !this.quitting) {
      this.rl.setPrompt(this.prompt());
      this.rl.prompt();
    }
  }

  /** The way out (exit-machine.ts): quit and signals; BYE once, a hung close or a second signal ends it anyway. */
  readonly exit = new ExitPath({
    close: () => this.closeAll(),
    signOff: () => this.output.write(`👋 ${this.view.callsign} signing off: BYE sent, 73\n`),
    forced: (why) => this.output.write(`⚠️  ${why === 'timeout' ? 'the station did not close in time' : 'asked again'}: leaving without waiting\n`),
    exit: (code) => {
      if (code !== 0) process.exit(code);
      this.done();
    },
  });

  async quit(): Promise<void> {
    this.exit.request('quit');
    await this.finished;
  }

  private async closeAll(): Promise<void> {
    // A newline first: Ctrl+C leaves the cursor on the prompt line.
    if (this.tty) this.output.write('\n');
    this.quitting = true;
    this.rl.close();
    this.input.destroy();
    await this.core.close();
  }
}
