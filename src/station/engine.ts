import { randomInt } from 'node:crypto';
import {
  encodeCallsign,
  formatControl,
  MessageBuilder,
  PTT_STOP_LOST_MS,
  RtpStream,
  ssrcForCallsign,
} from '../protocol/index.js';
import { openCapture, openPlayback } from '../audio/index.js';
import { AudioDeviceError, type CaptureSource, type PlaybackSink } from '../audio/types.js';
import { NoneCapture, NonePlayback } from '../audio/none.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { HistoryStore, HistoryError } from './history.js';
import { Link } from './link.js';
import { FrameReceiver } from './receive.js';
import { Scheduler } from './scheduler.js';
import { ServerExtension } from './server-ext.js';
import type { StationSettings } from './settings.js';
import { Transmitter } from './transmit.js';
import type {
  HeardStation,
  HistoryEntry,
  LinkState,
  Notice,
  StationCommands,
  StationEvents,
  TransmissionEntry,
  TxState,
} from './types.js';
import { VoiceEncoder } from './voice/encoder.js';
import { decodeTransmission, exportTransmission } from './voice/files.js';
import { VoiceReceiver } from './voice/receiver.js';
import { SpeechQueue } from './speech/speech-queue.js';
import type { StationCounters } from './counters.js';

/** Keepalives unanswered for this many intervals mean "no reply from server". */
const NO_REPLY_INTERVALS = 3;

interface RxState {
  entry: TransmissionEntry;
  lastVoice: number;
}

/**
 * The station: link, scheduler, transmitter, receiver, voice and history wired together.
 * User interfaces drive it through StationCommands and listen to StationEvents; it
 * knows nothing of screens.
 */
export class StationEngine extends TypedEmitter<StationEvents> implements StationCommands {
  readonly callsign: string;
  private readonly stationId: number;
  private readonly link: Link;
  private readonly scheduler: Scheduler;
  private readonly frames: FrameReceiver;
  private transmitter!: Transmitter;
  private voice!: VoiceReceiver;
  private sink: PlaybackSink = new NonePlayback();
  private capture: CaptureSource = new NoneCapture();
  readonly store: HistoryStore;
  /** Cues and spoken chat (speech/speech-queue.ts); UIs read its state and toggle it. */
  readonly speech: SpeechQueue;
  /** The opv server extension: roster, refusal reasons, announcements. */
  readonly ext: ServerExtension;
  private readonly heard = new Map<string, HeardStation>();
  private readonly rx = new Map<string, RxState>();
  private txEntry: TransmissionEntry | null = null;
  private txSince: number | null = null;
  private link_: LinkState = { kind: 'connecting' };
  /** When the oldest keepalive still unanswered went out (null: all answered). */
  private unansweredSince: number | null = null;
  private lastSendAt = 0;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private started = false;
  /** Notices raised while starting (e.g. no sound card), for the interface to show. */
  readonly startupNotices: Notice[] = [];

  constructor(
    readonly settings: StationSettings,
    private readonly now: () => number = Date.now,
    /** Devices supplied by the caller (benchmarks, embedding) instead of opening settings.audioIn/Out. */
    private readonly devices: { capture?: CaptureSource; sink?: PlaybackSink } = {},
  ) {
    super();
    this.callsign = settings.callsign;
    this.stationId = encodeCallsign(settings.callsign);
    this.link = new Link(settings.server, settings.port, settings.listenPort);
    this.scheduler = new Scheduler((f) => {
      this.lastSendAt = this.now();
      this.link.send(f);
    });
    this.frames = new FrameReceiver(this.stationId);
    this.speech = new SpeechQueue({
      speakChat: settings.speakChat,
      chatCue: settings.chatCue,
      courtesyTone: settings.courtesyTone,
      // Speech waits while anyone is heard or we transmit.
      busy: () => this.rx.size > 0 || (this.voice?.talkers().length ?? 0) > 0 || this.pttActive,
    });
    this.speech.on('notice', (text) => this.notice('warn', text));
    this.ext = new ServerExtension(
      () => this.link.serverAddress,
      (t) => this.transmitter.sendControl(t),
      now,
      () => !this.transmitter.pttActive,
    );
    this.store = HistoryStore.open(settings.dataDir, { maxEntries: settings.historyMaxEntries, maxAgeDays: settings.historyMaxAgeDays }, now);
  }

  /** Opens the socket and the audio devices. A missing sound device is a notice, not a failure. */
  async start(): Promise<void> {
    await this.link.open();
    try {
      this.capture = this.devices.capture ?? (await openCapture(this.settings.audioIn));
    } catch (e) {
      this.notice('warn', `no microphone (${this.deviceMessage(e)}): chat works, PTT sends nothing`);
    }
    try {
      this.sink = this.devices.sink ?? (await openPlayback(this.settings.audioOut));
    } catch (e) {
      this.notice('warn', `no audio output (${this.deviceMessage(e)}): chat works, voice is recorded to history only`);
    }
    const builder = new MessageBuilder({
      source: this.link.localIPv4,
      destination: this.link.serverIPv4,
      sourcePorts: { voice: this.link.boundPort, text: this.link.boundPort, control: this.link.boundPort },
      initialIdentification: randomInt(0, 0x10000),
    });
    this.transmitter = new Transmitter(
      this.stationId,
      builder,
      this.scheduler,
      new RtpStream(ssrcForCallsign(this.callsign), randomInt(0, 0x10000), randomInt(0, 0x100000000)),
      new VoiceEncoder(),
      this.capture,
      this.now,
    );
    this.voice = new VoiceReceiver({ sink: this.sink, jitterTargetFrames: this.settings.jitterFrames, now: this.now, extra: this.speech });
    if (this.settings.speakChat) await this.speech.probe();
    this.wire();
    this.voice.start();
    this.keepalive();
    // After the first keepalive: sent first, the announcement would count as "just sent" and delay it.
    this.ext.start();
    this.on('link', (l) => this.ext.onLink(l.kind));
    this.timers.push(setInterval(() => this.keepalive(), this.settings.keepaliveIntervalS * 1000));
    this.timers.push(setInterval(() => this.sweepRx(), 500));
    this.started = true;
  }

  private deviceMessage(e: unknown): string {
    return e instanceof AudioDeviceError || e instanceof Error ? e.message : String(e);
  }

  /** For parts outside the engine (GPIO, devices) that have something to tell the operator. */
  emitNotice(level: 'info' | 'warn' | 'error', text: string): void {
    this.notice(level, text);
  }

  private notice(level: 'info' | 'warn' | 'error', text: string): void {
    const n = { level, text };
    // Before start() returns no interface listens yet; it shows these when it opens.
    if (!this.started) this.startupNotices.push(n);
    this.emit('notice', n);
  }

  private wire(): void {
    this.link.on('frame', (buf) => {
      if (!this.ext.take(buf, this.link.lastSource)) this.frames.push(buf);
    });
    this.link.on('sendError', (e) => this.setLink({ kind: 'unreachable', error: e.message }));
    const f = this.frames;
    f.on('echo', ({ time }) => {
      this.unansweredSince = null;
      this.setLink({ kind: 'connected', rttMs: Math.max(0, Math.round(this.now() - time * 1000)) });
    });
    f.on('heard', ({ from }) => this.touch(from));
    f.on('chat', ({ from, text }) => {
      this.emit('chat', this.store.addChat('in', from, text));
      this.speech.chat(from, text);
    });
    f.on('pttStart', ({ from }) => this.rxStart(from));
    f.on('pttStop', ({ from }) => this.rxStop(from));
    f.on('voice', ({ from, rtp, opus }) => {
      const st = this.rx.get(from) ?? this.rxStart(from);
      st.lastVoice = this.now();
      const e = this.store.addPacket(st.entry.id, rtp.sequence, opus);
      if (e && e.frames % 25 === 1) this.emit('history', { ...e });
      this.voice.push(from, rtp, opus);
    });
    f.on('bye', ({ from }) => {
      this.rxStop(from);
      this.heard.delete(from);
      this.voice.forget(from);
      this.frames.forget(from);
      this.emit('left', { callsign: from, at: this.now() });
      this.emitHeard();
    });
    this.voice.on('talkers', (talkers) => {
      for (const h of this.heard.values()) h.level = 0;
      for (const t of talkers) {
        const h = this.heard.get(t.callsign);
        if (h) h.level = t.level;
      }
      this.emit('rx', talkers);
      this.emitHeard();
    });
    this.voice.on('transmissionEnded', () => this.speech.transmissionEnded(this.voice.talkers().length === 0));
    const t = this.transmitter;
    t.on('ptt', ({ active, at }) => {
      this.emit('ptt', { callsign: this.callsign, state: active ? 'start' : 'stop', at, local: true });
      if (active) {
        this.txSince = at;
        this.txEntry = this.store.beginTransmission('out', this.callsign, at);
        this.emit('history', { ...this.txEntry });
      } else {
        this.txSince = null;
        if (this.txEntry) {
          const e = this.store.endTransmission(this.txEntry.id);
          if (e && e.frames > 0) this.emit('history', { ...e });
        }
        this.txEntry = null;
      }
      this.emitTx();
    });
    t.on('packet', ({ sequence, opus }) => {
      if (this.txEntry) this.store.addPacket(this.txEntry.id, sequence, opus);
      this.emitTx();
    });
    t.on('chatSent', ({ text, at }) => this.emit('chat', this.store.addChat('out', this.callsign, text, at)));
    t.on('buffered', (n) => this.emit('buffered', n));
  }

  private emitTx(): void {
    this.emit('tx', this.txState());
  }

  txState(): TxState {
    return { active: this.transmitter?.pttActive ?? false, since: this.txSince, level: this.transmitter?.micLevel ?? 0 };
  }

  private touch(callsign: string): HeardStation {
    let h = this.heard.get(callsign);
    const isNew = h === undefined;
    if (!h) {
      h = { callsign, lastHeard: this.now(), talking: false, level: 0 };
      this.heard.set(callsign, h);
    }
    h.lastHeard = this.now();
    if (isNew) this.emitHeard();
    return h;
  }

  private emitHeard(): void {
    this.emit('heard', this.heardStations());
  }

  private rxStart(from: string): RxState {
    const existing = this.rx.get(from);
    if (existing) return existing;
    const entry = this.store.beginTransmission('in', from, this.now());
    const st: RxState = { entry, lastVoice: this.now() };
    this.rx.set(from, st);
    this.touch(from).talking = true;
    this.emit('ptt', { callsign: from, state: 'start', at: this.now(), local: false });
    this.emit('history', { ...entry });
    this.emitHeard();
    return st;
  }

  private rxStop(from: string): void {
    const st = this.rx.get(from);
    if (!st) return;
    this.rx.delete(from);
    this.voice.end(from);
    const h = this.heard.get(from);
    if (h) {
      h.talking = false;
      h.level = 0;
    }
    const e = this.store.endTransmission(st.entry.id);
    this.emit('ptt', { callsign: from, state: 'stop', at: this.now(), local: false });
    if (e && e.frames > 0) this.emit('history', { ...e });
    this.emitHeard();
  }

  private sweepRx(): void {
    const now = this.now();
    for (const [from, st] of this.rx) if (now - st.lastVoice > PTT_STOP_LOST_MS) this.rxStop(from);
  }

  private keepalive(): void {
    const now = this.now();
    // Only while idle: frames in flight already keep the server's registration fresh.
    if (!this.transmitter.pttActive && now - this.lastSendAt >= this.settings.keepaliveIntervalS * 1000 - 50) {
      this.transmitter.sendControl(formatControl({ type: 'keepalive', time: now / 1000 }));
      this.unansweredSince ??= now;
    }
    const waited = this.unansweredSince === null ? 0 : now - this.unansweredSince;
    if (waited > NO_REPLY_INTERVALS * this.settings.keepaliveIntervalS * 1000 && this.link_.kind !== 'unreachable' && this.link_.kind !== 'no_reply') {
      this.setLink({ kind: 'no_reply', sinceMs: this.unansweredSince ?? now });
    }
  }

  private setLink(s: LinkState): void {
    this.link_ = s;
    this.emit('link', s);
  }

  // ---- StationCommands ----

  sendChat(text: string): void {
    const line = text.trim();
    if (line) this.transmitter.sendChat(line);
  }

  setPtt(on: boolean): void {
    void this.transmitter.setPtt(on);
  }

  get pttActive(): boolean {
    return this.transmitter?.pttActive ?? false;
  }

  get bufferedCount(): number {
    return this.transmitter?.bufferedCount ?? 0;
  }

  linkState(): LinkState {
    return this.link_;
  }

  heardStations(): HeardStation[] {
    return [...this.heard.values()].sort((a, b) => b.lastHeard - a.lastHeard).map((h) => ({ ...h }));
  }

  /** Receive-side counters, for status displays and the diagnostic log. */
  counters(): StationCounters {
    const voice = [];
    for (const h of this.heard.values()) {
      const v = this.voice?.stats(h.callsign);
      if (v) voice.push({ callsign: h.callsign, ...v });
    }
    return { invalidFrames: this.frames.invalidFrames, decodeErrors: this.frames.decodeErrors, voice };
  }

  history(limit?: number): HistoryEntry[] {
    return this.store.list(limit);
  }

  async play(entryId: number): Promise<void> {
    const pcm = decodeTransmission(this.store.packets(entryId));
    await this.voice.playLocal(pcm);
  }

  async exportEntry(entryId: number, file: string): Promise<void> {
    await exportTransmission(file, this.store.packets(entryId));
  }

  private async drain(maxMs: number): Promise<void> {
    const deadline = this.now() + maxMs;
    while (this.scheduler.pending() > 0 && this.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** The last frames and BYE out, devices and store closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.ext.stop();
    if (this.transmitter) {
      if (this.transmitter.pttActive) await this.transmitter.setPtt(false);
      // What the operator already said goes out first; BYE is the last word.
      await this.drain(3000);
      this.transmitter.sendControl(formatControl({ type: 'bye' }));
      await this.drain(500);
    }
    for (const from of [...this.rx.keys()]) this.rxStop(from);
    this.scheduler.close();
    this.speech.close();
    await this.voice?.close();
    await this.sink.close();
    await this.capture.close();
    await this.link.close();
    this.store.close();
  }
}

export { HistoryError };

export async function createStation(settings: StationSettings): Promise<StationEngine> {
  const engine = new StationEngine(settings);
  await engine.start();
  return engine;
}
