import type { StationEngine } from '../engine.js';
import { exportHistoryEntry } from '../exports.js';
import { PttController, type PttSource, type PttTimers } from '../ptt/controller.js';
import { formatWho, StationsModel } from '../roster.js';
import { linkIsDown, linkViewText } from '../link-view.js';
import { describeRefusal } from '../server-ext.js';
import { checkRoomName } from '../settings.js';
import { noRoomsText, roomRequestText, roomsMatter } from '../room-text.js';
import type { HistoryEntry } from '../types.js';
import { runCommandLine, type Face } from './table.js';
import { CommandError, type CommandOutput, type StationView } from './types.js';

/**
 * The one way into a running station for its faces (full-screen UI, line mode, an
 * attached control socket): a façade over the engine's public interface that owns the
 * push-to-talk controller. Faces read `view` and call these methods, or hand a typed
 * line to `run`; they never hold the engine itself.
 */
export class StationCore {
  readonly view: StationView;
  readonly ptt: PttController;
  private readonly roster: StationsModel;
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly engine: StationEngine,
    opts: { timers?: PttTimers } = {},
  ) {
    this.view = engine;
    this.roster = new StationsModel(engine);
    this.ptt = new PttController({
      transmitter: engine,
      refusal: () => this.pttRefusal(),
      timeoutS: engine.settings.ptt.timeoutS,
      timers: opts.timers,
    });
    // One wording for every face; a notice reaches both.
    this.ptt.on('timeout', ({ seconds }) => engine.emitNotice('error', `transmission ended by the ${seconds} s time-out`));
    this.ptt.on('refused', ({ reason }) => engine.emitNotice('warn', `PTT refused: ${reason}`));
    const onTx = (t: { active: boolean }): void => this.ptt.txChanged(t.active);
    engine.on('tx', onTx);
    this.off.push(() => engine.off('tx', onTx));
  }

  get callsign(): string {
    return this.engine.callsign;
  }

  /** The face has attached its listeners: what the server says from now on is shown (engine.facesListening). */
  facesListening(): void {
    this.engine.facesListening();
  }

  /** Why keying now would be refused, in words; null when it may key. */
  pttRefusal(): string | null {
    const mic = this.engine.micUnavailable;
    if (mic !== null) return `${mic}; chat works`;
    const r = this.engine.ext.refusal;
    if (r !== null) return `the server refuses this station (${describeRefusal(r, this.engine.callsign)})`;
    const l = this.engine.linkState();
    if (l.kind === 'unreachable') return `not connected: the server is unreachable (${l.error})`;
    if (l.kind === 'no_reply' && l.wasConnected) return `not connected: no reply from the server for ${Math.round((Date.now() - l.sinceMs) / 1000)} s`;
    return null;
  }

  /** Runs one typed line (a command, or chat) with its results going to `out`. */
  run(line: string, out: CommandOutput, face: Face = 'line'): Promise<void> {
    return runCommandLine(this, line, out, face);
  }

  sendChat(text: string): void {
    this.engine.sendChat(text);
  }

  pttPress(source: PttSource = 'key'): boolean {
    return this.ptt.press(source);
  }

  pttHold(down: boolean, source: PttSource = 'hold'): boolean {
    return this.ptt.hold(down, source);
  }

  pttSet(on: boolean, source: PttSource = 'command'): boolean {
    return this.ptt.set(on, source);
  }

  /** The words for a room request; null when nothing needs saying (the move will be told). */
  requestRoom(name: string): string | null {
    const c = checkRoomName(name);
    if (!c.ok) throw new CommandError(c.error);
    return roomRequestText(c.room, this.engine.ext.requestRoom(c.room), this.engine.pttActive);
  }

  /** Asks for the list of rooms (it arrives as the extension's `rooms` event); the words when it cannot. */
  requestRooms(): string | null {
    const out = this.engine.ext.requestRooms();
    if (out === 'unsupported') return noRoomsText('no_rooms');
    if (out === 'queued' && this.engine.pttActive) return 'the list of rooms is asked for when you release PTT';
    return null;
  }

  /** Whether this server has rooms to choose (the chooser and its key are offered only then). */
  get roomsOffered(): boolean | null {
    return this.engine.roomInfo().offered;
  }

  roomsMatter(): boolean {
    return roomsMatter(this.engine.roomInfo());
  }

  async setSpeak(on: boolean): Promise<void> {
    await this.engine.speech.setSpeakChat(on);
  }

  /** A history entry by number ("12" or "#12"), or a CommandError saying why not. */
  entry(arg: string | undefined, usage: string): HistoryEntry {
    if (arg === undefined || !/^#?\d{1,9}$/.test(arg)) throw new CommandError(usage);
    const id = Number(arg.replace('#', ''));
    const entry = this.engine.history().find((h) => h.id === id);
    if (!entry) throw new CommandError(`no history entry ${id} (/history lists them)`);
    return entry;
  }

  play(entry: HistoryEntry): Promise<void> {
    if (entry.type !== 'transmission') throw new CommandError(`#${entry.id} is a chat line, not a transmission: nothing to play`);
    if (entry.open) throw new CommandError(`#${entry.id} is still on the air: play it when it has ended`);
    return this.engine.play(entry.id);
  }

  /** Writes the entry; resolves with the full path written. */
  exportEntry(entry: HistoryEntry, name: string): Promise<string> {
    if (entry.type === 'transmission' && entry.open) throw new CommandError(`#${entry.id} is still on the air: export it when it has ended`);
    return exportHistoryEntry(entry, name, (id, f) => this.engine.exportEntry(id, f));
  }

  /** /who: everyone on the server (or in the room), with what this station heard from each. */
  who(): string[] {
    const x = this.engine.ext;
    const v = this.engine.linkView();
    return formatWho(this.roster.rows(), x.active, Date.now(), roomsMatter(x.roomInfo()) ? x.roomInfo().current : null, linkIsDown(v) ? linkViewText(v) : null);
  }

  /** Unkeyed, BYE sent, devices and history closed. */
  async close(): Promise<void> {
    this.ptt.disarm();
    await this.engine.close();
    for (const f of this.off.splice(0)) f();
  }
}
