import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  encodeCallsign,
  formatControl,
  MessageBuilder,
  RtpStream,
  ssrcForCallsign,
} from '../protocol/index.js';
import { openCapture, openPlayback } from '../audio/index.js';
import { AudioDeviceError, type CaptureSource, type PlaybackSink } from '../audio/types.js';
import { NoneCapture, NonePlayback } from '../audio/none.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { HistoryStore, HistoryError } from './history.js';
import { Link } from './link.js';
import { heardToForget } from './heard-expiry.js';
import { FrameReceiver } from './receive.js';
import { Scheduler } from './scheduler.js';
import { ServerExtension, type RoomInfo } from './server-ext.js';
import { StationAuth } from './auth.js';
import { loadPrivateKey } from '../auth/crypto.js';
import type { StationSettings } from './settings.js';
import { Transmitter } from './transmit.js';
import { linkView, type StationLinkView } from './link-view.js';
import { initialLinkMonitor, linkStep, type LinkEvent, type LinkMonitorState } from './link-monitor.js';
import type {
  ChatEntry,
  HeardStation,
  HistoryEntry,
  LinkState,
  Notice,
  StationCommands,
  StationEvents,
  StationStats,
  StorageState,
  TransmissionEntry,
  TxState,
} from './types.js';
import { VoiceEncoder } from './voice/encoder.js';
import { decodeTransmission, exportTransmission } from './voice/files.js';
import { VoiceReceiver } from './voice/receiver.js';
import { placeTalkspurt, suspensionOver } from './rx-span.js';
import { SpeechQueue } from './speech/speech-queue.js';
import { afterPendingIo } from '../util/after-pending-io.js';

/** PTT_START with no voice at all for this long: the transmission ended (its PTT_STOP was lost). */
const RX_SILENT_PTT_MS = 3000;
/** How often the link is checked. */
const LINK_TICK_MS = 250;
/** After the link returns, held chat waits this long so the other stations re-register too. */
const RESEND_SETTLE_MS = 1500;
/** Held chat is bounded: lines and age. */
const MAX_HELD_LINES = 40;
const MAX_HELD_MS = 5 * 60_000;

interface RxState {
  /** PTT_START seen and no PTT_STOP since. */
  keyed: boolean;
  /** The history entry of the talkspurt being played, if any. */
  entryId: number | null;
  /** When PTT_START came (for a transmission that never brings voice). */
  keyedAt: number;
  /** When the last frame of the entry was played. */
  lastSlotAt: number;
  /** The entry's talkspurt ended without PTT_STOP at this time: it stays open a while in case the transmission resumes. */
  suspendedAt: number | null;
}

interface HeldLine {
  entryId: number;
  text: string;
  at: number;
}

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
  /** Station authentication with the operator's key (null: no key, nothing is asked). */
  readonly auth: StationAuth | null = null;
  private readonly heard = new Map<string, HeardStation>();
  private readonly rx = new Map<string, RxState>();
  private txEntry: TransmissionEntry | null = null;
  private txSince: number | null = null;
  /** The link monitor's state (link-monitor.ts: a pure machine on this engine's clock). */
  private mon: LinkMonitorState = initialLinkMonitor();
  private lastSendAt = 0;
  /** Chat lines held while the link is known to be down. */
  private held: HeldLine[] = [];
  /** Lines sent while connected, not yet confirmed by a later keepalive echo. */
  private unconfirmed: (HeldLine & { /** The probe sent after it, whose echo confirms it. */ probe: number | null })[] = [];
  /** Lines sent while the server had never answered: sent again should an opv server start answering. */
  private unanswered: HeldLine[] = [];
  /** Time values of delivery probes in flight: keepalives queued behind chat in the text lane. */
  private probes: number[] = [];
  private chatUndelivered = 0;
  /** Why PTT is refused, when there is no microphone. */
  private noMicReason: string | null = null;
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
      this.auth?.tagFrame(f);
      this.link.send(f);
    });
    this.frames = new FrameReceiver(this.stationId, now);
    this.speech = new SpeechQueue({
      speakChat: settings.speakChat,
      chatCue: settings.chatCue,
      courtesyTone: settings.courtesyTone,
      // Speech waits while anyone is heard or we transmit.
      busy: () => this.channelBusy(),
    });
    this.speech.on('notice', (text) => this.notice('warn', text));
    this.ext = new ServerExtension(
      () => this.link.serverEndpoint,
      (t) => this.transmitter.sendControl(t),
      now,
      () => !this.transmitter.pttActive,
      settings.room ?? null,
    );
    for (const ev of ['refused', 'admitted', 'welcome'] as const) this.ext.on(ev, () => this.emitLinkView());
    this.ext.on('welcome', (w) => {
      if (w.forgot) this.serverForgotUs();
    });
    // Line mode and the TUI both read the room from here (stats().room and the `room` event).
    this.ext.on('roomInfo', (r) => this.emit('room', r));
    this.ext.on('room', (r) => {
      if (r.previous !== null && r.previous !== r.room) this.forgetHeard();
    });
    if (settings.key !== undefined) {
      const auth = new StationAuth(this.callsign, loadPrivateKey(readFileSync(settings.key, 'utf8')), (t) => this.transmitter.sendControl(t), now, settings.frameTags !== 'off');
      this.auth = auth;
      this.ext.on('auth', (t) => auth.handle(t));
      // "Needs a key" while the answer is on its way is not news; after a failure it is.
      // (A server that forgot our session, e.g. restarted, says it needs a key: ask again.)
      this.ext.holdRefusal = (r) => {
        if (r.reason !== 'auth_required') return false;
        if (!auth.pending) auth.onAuthRequired();
        return auth.pending;
      };
      // A passing refusal (busy…) is retried with back-off: the key may yet be accepted.
      let wasIn = false;
      auth.on('state', (st) => {
        // The server forgot our session (a restart): the others re-register only at their next keepalive.
        if (wasIn && st.kind !== 'authenticated') this.settle();
        wasIn = st.kind === 'authenticated';
        this.emitLinkView();
      });
      auth.on('failed', (f) => {
        if (f.retryAt === null) this.ext.showHeldRefusal();
      });
    }
    this.store = HistoryStore.open(settings.dataDir, { maxEntries: settings.historyMaxEntries, maxAgeDays: settings.historyMaxAgeDays }, now);
    const st = this.store.storage();
    if (!st.saving) this.notice('warn', `history not saved: ${st.reason} (retrying; chat and voice work)`);
    this.store.on('storage', (s) => {
      if (s.saving) this.notice('info', `history saved again in ${s.dir}`);
      else this.notice('warn', `history not saved: ${s.reason} (retrying; chat and voice work)`);
      this.emit('storage', s);
    });
  }

  /** Opens the socket and the audio devices. A missing sound device is a notice, not a failure. */
  async start(): Promise<void> {
    await this.link.open();
    try {
      this.capture = this.devices.capture ?? (await openCapture(this.settings.audioIn));
      if (this.capture.name === 'none') this.noMicReason = 'no microphone (--no-audio)';
    } catch (e) {
      this.noMicReason = `no microphone (${this.deviceMessage(e)})`;
      this.notice('warn', `${this.noMicReason}: chat works, PTT disabled`);
    }
    try {
      this.sink = this.devices.sink ?? (await openPlayback(this.settings.audioOut));
      this.sink.onFailure = (why) => this.notice('error', `${why}: chat works, voice is recorded to history only`);
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
    // With --frame-tags off only keepalives carry the session's tag, and the server moves a
    // session only on a tagged frame: after a NAT rebinding the first chat line would come
    // from an unknown port and be dropped. A tagged keepalive ahead of each line moves it first.
    this.transmitter.chatPreamble = () => (this.auth !== null && this.auth.authenticated && !this.auth.frameTags ? this.keepaliveText(this.now() / 1000) : null);
    this.voice = new VoiceReceiver({ sink: this.sink, jitterTargetFrames: this.settings.jitterFrames, now: this.now, extra: this.speech });
    if (this.settings.speakChat) await this.speech.probe();
    this.wire();
    this.voice.start();
    this.linkTick();
    this.on('link', (l) => this.ext.onLink(l.kind));
    // Both judge time-outs: after a stall, what the socket already holds is read first.
    this.timers.push(setInterval(afterPendingIo(() => this.linkTick()), LINK_TICK_MS));
    this.timers.push(setInterval(afterPendingIo(() => this.sweepRx()), 500));
    this.started = true;
  }

  /**
   * A face is listening: the conversation with the server beyond keepalives begins (the
   * extension's OPV-EXT:1, the authentication request). Begun in start(), the answers
   * could come back before any face listened (a slow start on a busy Pi) and what they
   * say (the room, a refusal, "no such room") went unsaid. Again is a no-op.
   */
  facesListening(): void {
    if (!this.started || this.closed || this.ext.state.phase !== 'idle') return;
    // After the first keepalive (start): sent first, the announcement would count as "just sent" and delay it.
    this.ext.start();
    this.auth?.request();
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
    this.link.on('sendError', (e) => this.linkEvent({ type: 'sendError', error: sendErrorText(e) }));
    const f = this.frames;
    f.on('echo', ({ time }) => this.onEcho(time));
    f.on('heard', ({ from }) => {
      this.linkEvent({ type: 'heard' });
      this.touch(from);
    });
    f.on('chat', ({ from, text }) => {
      this.emit('chat', this.store.addChat('in', from, text));
      this.speech.chat(from, text);
    });
    f.on('pttStart', ({ from }) => this.rxKey(from));
    f.on('pttStop', ({ from }) => this.rxUnkey(from, true));
    f.on('voice', ({ from, rtp, opus }) => this.voice.push(from, rtp, opus, this.rx.get(from)?.keyed === true));
    f.on('bye', ({ from }) => {
      this.rxUnkey(from, true);
      this.voice.forget(from);
      this.rxFinish(from);
      this.heard.delete(from);
      this.frames.forget(from);
      this.rx.delete(from);
      this.emit('left', { callsign: from, at: this.now() });
      this.emitHeard();
    });
    // History is written from what playout consumes, so it matches what was heard.
    this.voice.on('transmissionStarted', ({ callsign, at, marker, resumeGap }) => this.rxBegin(callsign, at, marker, resumeGap));
    this.voice.on('slot', ({ callsign, opus }) => {
      const st = this.rx.get(callsign);
      if (st === undefined || st.entryId === null) return;
      st.lastSlotAt = this.now();
      const e = this.store.addSlot(st.entryId, opus);
      if (e && e.frames % 25 === 1) this.emit('history', { ...e });
    });
    this.voice.on('transmissionEnded', ({ callsign, endedCleanly }) => this.rxEnd(callsign, endedCleanly));
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
        this.linkEvent({ type: 'transmitting' });
        this.txEntry = this.store.beginTransmission('out', this.callsign, at);
        this.emit('history', { ...this.txEntry });
      } else {
        this.txSince = null;
        // A room request made while on air goes now.
        queueMicrotask(() => this.ext.flushQueued());
        if (this.txEntry) {
          const e = this.store.endTransmission(this.txEntry.id);
          if (e && e.frames > 0) this.emit('history', { ...e });
        }
        this.txEntry = null;
      }
      this.emitTx();
    });
    t.on('packet', ({ opus }) => {
      if (this.txEntry) {
        const e = this.store.addSlot(this.txEntry.id, opus);
        // The running length of our own transmission, as receivers show theirs.
        if (e && e.frames % 25 === 0) this.emit('history', { ...e });
      }
      this.emitTx();
    });
    t.on('chatSent', ({ text, at, ref }) => {
      const neverAnswered = this.mon.link.kind === 'no_reply' && !this.mon.link.wasConnected;
      let entry: ChatEntry | null;
      if (ref === undefined) {
        entry = this.store.addChat('out', this.callsign, text, at, neverAnswered ? 'unconfirmed' : undefined);
        this.emit('chat', entry);
      } else {
        entry = this.store.setDelivery(ref, neverAnswered ? 'unconfirmed' : 'delayed', at);
        if (entry) this.emit('history', { ...entry });
      }
      if (!entry) return;
      const line = { entryId: entry.id, text, at: entry.at };
      if (this.linkDown()) {
        // Released from the PTT buffer into a link that went down meanwhile: sent again later.
        this.hold(line);
      } else if (neverAnswered) {
        this.unanswered.push(line);
        if (this.unanswered.length > MAX_HELD_LINES) this.unanswered.shift();
      } else if (this.mon.link.kind === 'connected') {
        this.recentSent.push(line);
        if (this.recentSent.length > MAX_HELD_LINES) this.recentSent.shift();
        this.unconfirmed.push({ ...line, probe: null });
        // Bounded: with echoes coming back, the oldest line has long been relayed.
        if (this.unconfirmed.length > MAX_HELD_LINES) this.unconfirmed.shift();
        this.probeSoon();
      }
    });
    t.on('buffered', (n) => this.emit('buffered', n));
  }

  private probePending = false;
  /** Until then chat is held: the server has just forgotten us, and the others are not back on it yet. */
  private settleUntil = -Infinity;

  /** The server restarted: the other stations re-register within one keepalive interval; chat waits that long. */
  private settle(): void {
    this.settleUntil = this.now() + this.settings.keepaliveIntervalS * 1000 + RESEND_SETTLE_MS / 3;
  }

  /** Chat sent lately while connected: if the server turns out to have forgotten us (a short restart), these are reported. */
  private recentSent: HeldLine[] = [];

  /**
   * The server answered "still here" with a WELCOME: it forgot us, most likely restarted so
   * briefly that no keepalive went unanswered. A line sent in the last keepalive intervals
   * may have been relayed to nobody (the others re-register at their next keepalive):
   * said in words and marked unconfirmed in history, never silently counted as delivered.
   */
  private serverForgotUs(): void {
    const now = this.now();
    this.settle();
    const window = 2 * this.settings.keepaliveIntervalS * 1000 + 1000;
    const lines = this.recentSent.filter((l) => now - l.at <= window);
    this.recentSent = [];
    for (const l of lines) {
      const e = this.store.setDelivery(l.entryId, 'unconfirmed');
      if (e) this.emit('history', { ...e });
      this.notice('warn', `the server restarted just now: this line may not have reached everyone (send it again if it matters): ${l.text}`);
    }
  }

  /** One keepalive behind the chat just queued: its echo proves the server relayed the chat. */
  private probeSoon(): void {
    if (this.probePending) return;
    this.probePending = true;
    queueMicrotask(() => {
      this.probePending = false;
      if (!this.closed) this.sendProbe(this.now());
    });
  }

  private sendProbe(now: number): void {
    const time = now / 1000;
    for (const u of this.unconfirmed) u.probe ??= time;
    this.probes.push(time);
    if (this.probes.length > 16) this.probes.shift();
    this.transmitter.sendControl(this.keepaliveText(time), 'text');
    this.linkEvent({ type: 'keepaliveSent' });
  }

  /** After authentication keepalives carry the session's tag (the server follows us to a new port by it). */
  private keepaliveText(time: number): string {
    return this.auth?.keepalive(time) ?? formatControl({ type: 'keepalive', time });
  }

  private onEcho(time: number): void {
    const now = this.now();
    // A probe left after the chat queued before it, so its echo proves the server had them.
    if (this.probes.includes(time)) {
      this.unconfirmed = this.unconfirmed.filter((u) => u.probe === null || u.probe > time);
      this.probes = this.probes.filter((p) => p > time);
    }
    this.linkEvent({ type: 'echo', rttMs: now - time * 1000 });
    // The server answers at last: what it ignored before goes out again (after the settle time).
    for (const l of this.unanswered.splice(0)) this.hold(l);
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

  /** Stations that left without a BYE (heard-expiry.ts): forgotten as a BYE would have them. */
  private expireHeard(now: number): void {
    const gone = heardToForget(this.heard.values(), now);
    if (gone.length === 0) return;
    for (const call of gone) {
      this.heard.delete(call);
      this.frames.forget(call);
      const st = this.rx.get(call);
      // A history entry still open waits for sweepRx to close it; the rest goes.
      if (st !== undefined && !st.keyed && st.entryId === null) this.rx.delete(call);
    }
    this.emitHeard();
  }

  /** Another room: the stations heard in the last one are not here (those still playing out stay). */
  private forgetHeard(): void {
    for (const [call, h] of this.heard) {
      if (h.talking) continue;
      this.heard.delete(call);
      this.frames.forget(call);
    }
    this.emitHeard();
  }

  private emitHeard(): void {
    this.emit('heard', this.heardStations());
  }

  private rxState(from: string): RxState {
    let st = this.rx.get(from);
    if (!st) {
      st = { keyed: false, entryId: null, keyedAt: 0, lastSlotAt: 0, suspendedAt: null };
      this.rx.set(from, st);
    }
    return st;
  }

  /** Someone is keyed or still being played out, or we transmit: no speech over it. */
  private channelBusy(): boolean {
    if (this.pttActive || (this.voice?.talkers().length ?? 0) > 0) return true;
    for (const st of this.rx.values()) if (st.keyed || (st.entryId !== null && st.suspendedAt === null)) return true;
    return false;
  }

  /** PTT_START from a station. */
  private rxKey(from: string): void {
    const st = this.rxState(from);
    if (st.keyed) return;
    st.keyed = true;
    st.keyedAt = this.now();
    this.touch(from).talking = true;
    this.emit('ptt', { callsign: from, state: 'start', at: this.now(), local: false });
    this.emitHeard();
  }

  /** PTT_STOP (clean) or a transmission that ended without one. */
  private rxUnkey(from: string, clean: boolean): void {
    const st = this.rx.get(from);
    if (clean) this.voice.end(from);
    if (!st?.keyed) return;
    st.keyed = false;
    const h = this.heard.get(from);
    if (h) {
      h.talking = false;
      h.level = 0;
    }
    this.emit('ptt', { callsign: from, state: 'stop', at: this.now(), local: false });
    this.emitHeard();
  }

  /** Playout accepted the first packet of a talkspurt: its history entry begins. */
  private rxBegin(from: string, at: number, marker: boolean, resumeGap: number | null): void {
    const st = this.rxState(from);
    const suspended = st.entryId !== null && st.suspendedAt !== null ? { lastSlotAt: st.lastSlotAt, endedAt: st.suspendedAt } : null;
    const place = placeTalkspurt({ keyed: st.keyed, keyedAt: st.keyedAt, suspended, resumeGap }, at, marker);
    if (place.kind === 'resume' && st.entryId !== null) {
      // The same transmission after a cut (a server restart): one entry, its gap counted as lost.
      st.suspendedAt = null;
      if (!st.keyed) this.rxKey(from);
      let e: TransmissionEntry | null = null;
      for (let i = 0; i < place.missed; i++) e = this.store.addSlot(st.entryId, null) ?? e;
      if (e) this.emit('history', { ...e });
      return;
    }
    if (st.entryId !== null) this.rxFinish(from);
    // Voice proved a transmission whose PTT_START was lost.
    const wasKeyed = st.keyed;
    if (!st.keyed) this.rxKey(from);
    const entry = this.store.beginTransmission('in', from, wasKeyed && place.kind === 'new' ? place.startAt : at);
    st.entryId = entry.id;
    for (let i = 0; i < place.missed; i++) this.store.addSlot(entry.id, null);
    this.emit('history', { ...entry });
  }

  /** The talkspurt was played out (PTT_STOP, or silence longer than the jitter window). */
  private rxEnd(from: string, clean: boolean): void {
    const st = this.rx.get(from);
    if (!st || st.entryId === null) return;
    if (clean) this.rxFinish(from);
    else {
      // No PTT_STOP: the entry stays open in case the transmission resumes (sweepRx closes it).
      st.suspendedAt = this.now();
      this.rxUnkey(from, false);
    }
  }

  /** The entry is closed for good. */
  private rxFinish(from: string): void {
    const st = this.rx.get(from);
    if (!st || st.entryId === null) return;
    const e = this.store.endTransmission(st.entryId);
    st.entryId = null;
    st.suspendedAt = null;
    if (e && e.frames > 0) this.emit('history', { ...e });
  }

  private sweepRx(): void {
    if (this.closed) return;
    const now = this.now();
    this.frames.expire();
    this.expireHeard(now);
    for (const [from, st] of this.rx) if (st.suspendedAt !== null && suspensionOver(st.suspendedAt, now)) this.rxFinish(from);
    // Keyed with no voice at all (a station without a microphone, a lost PTT_STOP).
    for (const [from, st] of this.rx) if (st.keyed && st.entryId === null && now - st.keyedAt > RX_SILENT_PTT_MS && !this.voice.talkers().some((t) => t.callsign === from)) this.rxUnkey(from, false);
    // Receive state of a station forgotten (expireHeard) once its last entry has closed.
    for (const [from, st] of this.rx) if (!st.keyed && st.entryId === null && !this.heard.has(from)) this.rx.delete(from);
  }

  // ---- the link: keepalives, truthful state, held chat ----

  private linkTick(): void {
    if (this.closed) return;
    const now = this.now();
    this.auth?.tick();
    this.ext.tick();
    this.linkEvent({
      type: 'tick',
      intervalMs: this.settings.keepaliveIntervalS * 1000,
      pttActive: this.transmitter.pttActive,
      unconfirmed: this.unconfirmed.length,
      lastSendAt: this.lastSendAt,
      lastSendOkAt: this.link.lastSendOkAt,
    });
    if (this.linkDown()) this.holdUnconfirmed();
    else if (this.held.length > 0 && now >= this.settleUntil && (this.mon.link.kind !== 'connected' || now - this.mon.connectedSince >= RESEND_SETTLE_MS)) this.resendHeld();
    this.expireHeld(now);
  }

  /** The link is known to be down, or the server refuses us: chat typed now would be lost. */
  private linkDown(): boolean {
    // A refusal from an opv server (the extension) is as sure as a dead link: nobody gets the line.
    if (this.ext.refusal !== null) return true;
    return this.mon.link.kind === 'unreachable' || (this.mon.link.kind === 'no_reply' && this.mon.link.wasConnected);
  }

  /** Lines sent into a server that then proved silent go back to be sent again. */
  private holdUnconfirmed(): void {
    if (this.unconfirmed.length === 0) return;
    const lines = this.unconfirmed.splice(0);
    this.probes = [];
    for (const u of lines) this.hold(u);
  }

  private hold(line: HeldLine): void {
    this.held.push(line);
    const e = this.store.setDelivery(line.entryId, 'held');
    if (e) this.emit('history', { ...e });
    while (this.held.length > MAX_HELD_LINES) this.giveUp(this.held.shift()!, 'too many lines waiting');
    this.emit('held', this.held.length);
  }

  private resendHeld(): void {
    const lines = this.held.splice(0);
    this.emit('held', 0);
    for (const l of lines) this.transmitter.sendChat(l.text, l.entryId);
    this.notice('info', `${lines.length} held chat line${lines.length === 1 ? '' : 's'} sent now that the server answers`);
  }

  private expireHeld(now: number): void {
    // A reference server relays without answering: lines sent to it are not resent.
    if (this.mon.link.kind === 'reference') this.unanswered.length = 0;
    while (this.unanswered.length > 0 && now - this.unanswered[0]!.at > MAX_HELD_MS) this.unanswered.shift();
    while (this.held.length > 0 && now - this.held[0]!.at > MAX_HELD_MS) {
      this.giveUp(this.held.shift()!, `the link was down for more than ${MAX_HELD_MS / 60_000} minutes`);
      this.emit('held', this.held.length);
    }
  }

  private giveUp(line: HeldLine, why: string): void {
    this.chatUndelivered++;
    const e = this.store.setDelivery(line.entryId, 'undelivered');
    if (e) this.emit('history', { ...e });
    this.notice('error', `not delivered (${why}): ${line.text}`);
  }

  /** One event into the link monitor; its actions are carried out here. */
  private linkEvent(e: LinkEvent): void {
    const { state, actions } = linkStep(this.mon, e, this.now());
    this.mon = state;
    for (const a of actions) {
      if (a.type === 'probe') this.sendProbe(this.now());
      else if (a.type === 'keepalive') this.transmitter.sendControl(this.keepaliveText(this.now() / 1000));
      else this.setLink(a.link);
      if (a.type !== 'link') this.ext.alongKeepalive();
    }
  }

  private setLink(s: LinkState): void {
    const was = this.lastLink;
    this.lastLink = s;
    this.emit('link', s);
    this.emitLinkView();
    if (this.linkDown() && was.kind !== s.kind && this.unconfirmed.length + this.held.length > 0) this.holdUnconfirmed();
  }

  private lastLink: LinkState = { kind: 'connecting' };

  // ---- StationCommands ----

  sendChat(text: string): void {
    const line = text.trim();
    if (!line) return;
    if (this.linkDown() || this.now() < this.settleUntil) {
      // Held, not lost: it goes out (marked delayed) when the server answers again.
      const e = this.store.addChat('out', this.callsign, line, this.now(), 'held');
      this.emit('chat', e);
      this.hold({ entryId: e.id, text: line, at: e.at });
      return;
    }
    this.transmitter.sendChat(line);
  }

  setPtt(on: boolean): void {
    if (on && !this.transmitter.pttActive && !this.transmitter.hasMicrophone) {
      this.notice('warn', `PTT refused: ${this.noMicReason ?? 'no microphone'}; chat works`);
      return;
    }
    void this.transmitter.setPtt(on);
  }

  /** Why PTT cannot key here (no microphone), or null: read by the PTT controller (ptt/controller.ts). */
  get micUnavailable(): string | null {
    if (!this.transmitter || this.transmitter.hasMicrophone) return null;
    return this.noMicReason ?? 'no microphone';
  }

  get heldCount(): number {
    return this.held.length;
  }

  storageState(): StorageState {
    return this.store.storage();
  }

  stats(): StationStats {
    const stations = this.voice?.allStats() ?? {};
    let opusCorrupt = 0;
    let opusMisfit = 0;
    for (const v of Object.values(stations)) {
      opusCorrupt += v.corrupt;
      opusMisfit += v.misfit;
    }
    return {
      invalidFrames: this.frames.invalidFrames,
      decodeErrors: this.frames.decodeErrors,
      framesSent: this.scheduler.sent,
      framesQueued: this.scheduler.pending(),
      opusCorrupt,
      opusMisfit,
      stations,
      chatHeld: this.held.length,
      chatUndelivered: this.chatUndelivered,
      storage: this.store.storage(),
      room: this.ext.roomInfo(),
      capture: this.capture.counters === undefined ? null : { ...this.capture.counters },
    };
  }

  roomInfo(): RoomInfo {
    return this.ext.roomInfo();
  }

  get pttActive(): boolean {
    return this.transmitter?.pttActive ?? false;
  }

  get bufferedCount(): number {
    return this.transmitter?.bufferedCount ?? 0;
  }

  linkState(): LinkState {
    return this.mon.link;
  }

  private lastView = '';

  /** The truth both faces show: the link, or what the server said of us when it refused us. */
  linkView(): StationLinkView {
    return linkView(this.mon.link, this.ext.refusal, this.auth?.pending ?? false);
  }

  private emitLinkView(): void {
    const v = this.linkView();
    // Only changes (a new round trip is a change too: the header shows it).
    const k = JSON.stringify(v);
    if (k === this.lastView) return;
    this.lastView = k;
    this.emit('linkView', v);
  }

  heardStations(): HeardStation[] {
    return [...this.heard.values()].sort((a, b) => b.lastHeard - a.lastHeard).map((h) => ({ ...h }));
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
    this.auth?.stop();
    if (this.transmitter) {
      if (this.transmitter.pttActive) await this.transmitter.setPtt(false);
      // What the operator already said goes out first; BYE is the last word.
      await this.drain(3000);
      this.transmitter.sendControl(formatControl({ type: 'bye' }));
      await this.drain(500);
    }
    for (const l of this.held.splice(0)) this.giveUp(l, 'the station closed with the link down');
    for (const from of [...this.rx.keys()]) {
      this.rxUnkey(from, true);
      this.rxFinish(from);
    }
    this.scheduler.close();
    this.speech.close();
    await this.voice?.close();
    await this.sink.close();
    await this.capture.close();
    await this.link.close();
    await this.store.close();
  }
}

export { HistoryError };

/** A send failure in words (the socket's errno alone means little to an operator). */
function sendErrorText(e: Error): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENETUNREACH':
      return 'network unreachable (no route to the server; is the network up?)';
    case 'EHOSTUNREACH':
      return 'host unreachable (the server does not answer on this network)';
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens on that port)';
    case 'EPERM':
    case 'EACCES':
      return 'sending not permitted (a firewall?)';
    case 'EADDRNOTAVAIL':
      return 'the local address is gone (network interface down?)';
    default:
      return e.message;
  }
}

export async function createStation(settings: StationSettings): Promise<StationEngine> {
  const engine = new StationEngine(settings);
  await engine.start();
  return engine;
}
