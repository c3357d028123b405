import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { StationEngine } from './engine.js';
import type { HistoryEntry, LinkState, Notice } from './types.js';

const HELP = `Commands:
  <text>              send a chat line (buffered while PTT is active)
  /ptt [on|off]       key or unkey the transmitter (toggles without an argument);
                      with --audio-in FILE, PTT releases itself when the file ends
  /history [N]        list the last N history entries (default 20)
  /play N             replay history entry N through the audio output
  /export N FILE      write entry N as .wav or .ogg/.opus
  status              link, PTT and stations heard
  clear               clear the screen
  quit, /quit         leave cleanly (BYE to the server); Ctrl+C does the same`;

/**
 * The plain line interface: one line in, one line out, for scripts, services and
 * headless Pis. Prints the reference station's phrases so existing habits carry over.
 */
export class LineInterface {
  private readonly rl: Interface;
  private done!: () => void;
  private readonly finished = new Promise<void>((r) => (this.done = r));
  private lastLinkKind: LinkState['kind'] | null = null;

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
    const flags = [this.engine.pttActive ? 'PTT ACTIVE' : '', this.engine.bufferedCount ? `${this.engine.bufferedCount} buffered` : '']
      .filter(Boolean)
      .join(', ');
    return `[${this.engine.callsign}] Chat${flags ? ` (${flags})` : ''}> `;
  }

  say(text: string): void {
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
    e.on('chat', (c) =>
      this.say(c.direction === 'in' ? `📨 [${c.callsign}]: ${c.text}` : c.delivery === 'held' ? `⏳ [${c.callsign}]: ${c.text} (held: the server is not answering; sent when it does)` : `📤 [${c.callsign}]: ${c.text}${c.delivery === 'unconfirmed' ? ' (no reply from server: not confirmed)' : ''}`),
    );
    e.on('ptt', (p) => this.say(p.state === 'start' ? `🎤 ${p.callsign}: PTT was pressed` : `🔇 ${p.callsign}: PTT was released`));
    e.on('buffered', (n) => {
      if (n > 0) this.say(`⏳ message buffered until PTT release (${n} waiting)`);
    });
    e.on('history', (h) => {
      if (h.type === 'transmission' && !h.open) this.say(`📼 #${h.id} ${describe(h)}`);
      if (h.type === 'chat' && h.delivery === 'delayed') this.say(`📤 [${h.callsign}]: ${h.text} (delayed)`);
    });
    e.on('link', (l) => this.onLink(l));
    const notice = (n: Notice): void => this.say(`${n.level === 'error' ? '❌' : n.level === 'warn' ? '⚠️ ' : 'ℹ️ '} ${n.text}`);
    e.on('notice', notice);
    e.on('left', (l) => this.say(`👋 ${l.callsign} left the conference`));

    this.say(`📻 ${e.callsign} on ${e.settings.server}:${e.settings.port} — type a message, /help for commands`);
    for (const n of e.startupNotices) notice(n);
    this.rl.on('line', (line) => void this.command(line.trim()));
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
    else if (l.kind === 'reference') this.say('🔗 reference server (no keepalive echo)');
    else if (l.kind === 'no_reply' && l.wasConnected) this.say(`📭 no reply from server for ${Math.round((Date.now() - l.sinceMs) / 1000)} s: chat is held until it answers`);
    else if (l.kind === 'no_reply') this.say('📭 no reply from server yet (a reference server never answers keepalives)');
    else if (l.kind === 'unreachable') this.say(`❌ server unreachable: ${l.error}`);
  }

  private async command(line: string): Promise<void> {
    const e = this.engine;
    const [cmd, ...args] = line.split(/\s+/);
    try {
      switch (cmd) {
        case '':
          break;
        case 'quit':
        case '/quit':
        case 'exit':
          await this.quit();
          return;
        case '/help':
        case 'help':
          this.say(HELP);
          break;
        case 'clear':
          if (this.tty) this.output.write('\x1b[2J\x1b[H');
          break;
        case 'status':
        case '/status':
          this.say(this.status());
          break;
        case '/ptt': {
          const want = args[0] === 'on' ? true : args[0] === 'off' ? false : args[0] === undefined ? !e.pttActive : null;
          if (want === null) this.say('usage: /ptt [on|off]');
          else e.setPtt(want);
          break;
        }
        case '/history': {
          const n = args[0] ? Number(args[0]) : 20;
          const list = e.history(Number.isFinite(n) && n > 0 ? n : 20);
          if (list.length === 0) this.say('(history is empty)');
          for (const h of list) this.say(`#${h.id} ${describe(h)}`);
          break;
        }
        case '/play': {
          const id = Number(args[0]);
          if (!Number.isInteger(id)) {
            this.say('usage: /play N');
            break;
          }
          this.say(`▶️  playing #${id}`);
          await e.play(id);
          this.say(`⏹️  #${id} done`);
          break;
        }
        case '/export': {
          const id = Number(args[0]);
          const file = args.slice(1).join(' ');
          if (!Number.isInteger(id) || !file) {
            this.say('usage: /export N FILE (.wav, .ogg or .opus)');
            break;
          }
          await e.exportEntry(id, file);
          this.say(`💾 #${id} written to ${file}`);
          break;
        }
        default:
          if (cmd!.startsWith('/')) this.say(`unknown command ${cmd} — /help lists them`);
          else e.sendChat(line);
      }
    } catch (err) {
      this.say(`❌ ${(err as Error).message}`);
    }
    if (this.tty) {
      this.rl.setPrompt(this.prompt());
      this.rl.prompt();
    }
  }

  private status(): string {
    const e = this.engine;
    const l = e.linkState();
    const link =
      l.kind === 'connected'
        ? `connected, round trip ${l.rttMs} ms`
        : l.kind === 'reference'
          ? 'reference server, no keepalive echo'
          : l.kind === 'no_reply'
            ? `no reply from server${l.wasConnected ? ` for ${Math.round((Date.now() - l.sinceMs) / 1000)} s` : ''}`
            : l.kind === 'unreachable'
              ? `unreachable: ${l.error}`
              : 'connecting';
    const heard = e.heardStations();
    const st = e.stats();
    return [
      `📊 ${e.callsign} → ${e.settings.server}:${e.settings.port} (${link})`,
      `   PTT: ${e.pttActive ? 'ACTIVE' : 'off'}; buffered chat: ${e.bufferedCount}`,
      `   heard: ${heard.length ? heard.map((h) => `${h.callsign}${h.talking ? ' (talking)' : ''}`).join(', ') : 'nobody yet'}`,
      `   frames: ${st.framesSent} sent, ${st.invalidFrames} invalid, ${st.decodeErrors} decode errors; opus: ${st.opusCorrupt} corrupt, ${st.opusMisfit} misfit; chat held: ${st.chatHeld}, not delivered: ${st.chatUndelivered}`,
      `   history: ${st.storage.saving ? `saved in ${st.storage.dir}` : `NOT saved: ${st.storage.reason}`}`,
    ].join('\n');
  }

  async quit(): Promise<void> {
    this.rl.close();
    this.input.destroy();
    await this.engine.close();
    this.done();
  }
}

function describe(h: HistoryEntry): string {
  const when = new Date(h.at).toLocaleTimeString('en-GB', { hour12: false });
  if (h.type === 'chat') return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${h.callsign}: ${h.text}${h.delivery ? ` (${h.delivery === 'undelivered' ? 'not delivered' : h.delivery})` : ''}`;
  return `${when} ${h.direction === 'in' ? '⬅' : '➡'} ${h.callsign} transmission ${(h.durationMs / 1000).toFixed(1)} s, ${h.frames} frames, ${h.framesLost} lost${h.open ? ' (on air)' : ''}${h.recovered ? ' (recovered after a crash)' : ''}`;
}
