/**
 * Everything the station says on its own: the chat cue, the courtesy tone and
 * spoken chat, as one extra source mixed on top of received voice (the voice
 * receiver calls addTo() once per 40 ms output frame).
 *
 * Rules:
 * - cues play at once, one after another (at most MAX_CUES waiting), over voice if
 *   need be, lowered so the sum never clips;
 * - speech never plays over a live transmission: an utterance starts only when the
 *   channel has been quiet (no remote talker, not transmitting ourselves) for
 *   HANG_MS and no cue is left to play; if someone keys up while it is being
 *   spoken, it stops at once and is read again from the start when quiet;
 * - what piles up is read in arrival order; at most `maxQueued` chat lines wait; when
 *   more arrive the oldest waiting ones are dropped and a spoken "N earlier messages
 *   skipped" takes their place;
 * - espeak-ng renders each line as soon as it is queued (one process at a time), so
 *   on a quiet channel speech follows the chat cue with no further wait.
 */
import { AUDIO_SAMPLE_RATE } from '../../audio/types.js';
import { addWithHeadroom } from '../../audio/headroom.js';
import { chatCue, courtesyTone, silence } from '../../audio/tones.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { probeEspeak, renderSpeech, speakableText, SpeechUnavailable } from './espeak.js';
import { phoneticCallsign } from './phonetic.js';

/** Quiet needed after a transmission before speech begins (a quick reply is not talked over). */
export const HANG_MS = 250;
/** Between a cue and the speech after it. */
export const CUE_GAP_MS = 40;
/** Between two utterances (espeak adds about 0.3 s of its own at the end of each). */
export const UTTERANCE_GAP_MS = 200;
export const DEFAULT_MAX_QUEUED = 8;
const MAX_CUES = 4;
/** Fade applied when speech is cut off by a transmission, so the cut does not click. */
const CUT_FADE_MS = 5;

export interface SpeechState {
  /** Incoming chat is spoken. */
  enabled: boolean;
  /** espeak-ng found (null: not checked yet). */
  available: boolean | null;
  /** Utterances waiting (not counting the one being spoken). */
  queued: number;
  /** Whose message is being spoken now ('' for the skipped-messages notice); null when silent. */
  playing: string | null;
  /** Chat lines dropped because the queue was full, since the start. */
  skipped: number;
  /** Lines wait for the channel to become free (someone talks or we transmit). */
  waitingForChannel: boolean;
}

export interface SpeechQueueEvents {
  state: SpeechState;
  /** One line for the operator (espeak missing, messages skipped…). */
  notice: string;
}

export interface SpeechQueueOptions {
  speakChat: boolean;
  chatCue: boolean;
  courtesyTone: boolean;
  /** True while the channel is in use: a remote talker is heard or we transmit. */
  busy: () => boolean;
  maxQueued?: number;
  /** Text → PCM at `rate` (default: espeak-ng). */
  render?: (text: string) => Promise<Int16Array>;
  /** null when speech can be rendered, else why not (default: looks for espeak-ng). */
  probe?: () => Promise<string | null>;
  /** Monotonic ms (default performance.now). */
  now?: () => number;
  rate?: number;
}

interface Utterance {
  /** Callsign, or null for the skipped-messages notice. */
  from: string | null;
  text: string;
  pcm: Int16Array | null;
}

interface Chunk {
  kind: 'cue' | 'gap' | 'speech';
  pcm: Int16Array;
  offset: number;
  utt?: Utterance;
}

export function chatSentence(from: string, text: string): string {
  const said = speakableText(text);
  return said ? `${phoneticCallsign(from)} says: ${said}` : '';
}

export class SpeechQueue extends TypedEmitter<SpeechQueueEvents> {
  private enabled: boolean;
  private available: boolean | null = null;
  private readonly chatCueOn: boolean;
  private readonly courtesyOn: boolean;
  private readonly busy: () => boolean;
  private readonly maxQueued: number;
  private readonly render: (text: string) => Promise<Int16Array>;
  private readonly probeFn: () => Promise<string | null>;
  private readonly now: () => number;
  private readonly rate: number;
  private readonly queue: Utterance[] = [];
  private readonly cues: Int16Array[] = [];
  private current: Chunk | null = null;
  private rendering = false;
  private lastBusyAt = -Infinity;
  private skipped = 0;
  /** Skipped since the last notice was spoken (what the pending notice says). */
  private skippedUnsaid = 0;
  private closed = false;
  private lastState = '';

  constructor(opts: SpeechQueueOptions) {
    super();
    this.enabled = opts.speakChat;
    this.chatCueOn = opts.chatCue;
    this.courtesyOn = opts.courtesyTone;
    this.busy = opts.busy;
    this.maxQueued = Math.max(1, opts.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.rate = opts.rate ?? AUDIO_SAMPLE_RATE;
    this.render = opts.render ?? ((t) => renderSpeech(t, { outputRate: this.rate }));
    this.probeFn = opts.probe ?? (() => probeEspeak());
    this.now = opts.now ?? (() => performance.now());
  }

  get state(): SpeechState {
    const playing = this.current?.kind === 'speech' ? (this.current.utt?.from ?? '') : null;
    const waitingForChannel = playing === null && this.queue.length > 0 && this.busy();
    return { enabled: this.enabled, available: this.available, queued: this.queue.length, playing, skipped: this.skipped, waitingForChannel };
  }

  /** Looks for espeak-ng (once); a notice when it is missing. */
  async probe(): Promise<boolean> {
    if (this.available !== null) return this.available;
    const reason = await this.probeFn();
    this.available = reason === null;
    if (reason !== null) this.emit('notice', `${reason}: chat will not be spoken (apt-get install espeak-ng); everything else works`);
    this.emitState();
    return this.available;
  }

  async setSpeakChat(on: boolean): Promise<void> {
    // Looked for first, so the state that says "on" also says whether it can speak.
    if (on) await this.probe();
    this.enabled = on;
    if (!on) {
      this.queue.length = 0;
      this.skippedUnsaid = 0;
      if (this.current?.kind === 'speech') this.current = null;
    }
    this.emitState();
  }

  /** A chat line arrived from `from`. */
  chat(from: string, text: string): void {
    if (this.closed) return;
    if (this.chatCueOn) this.cue(chatCue(this.rate));
    if (!this.enabled || this.available === false) return;
    const sentence = chatSentence(from, text);
    if (!sentence) return;
    const waiting = this.queue.filter((u) => u.from !== null);
    if (waiting.length >= this.maxQueued) {
      // Keep the conversation current: the oldest waiting lines give way.
      const drop = waiting.length - this.maxQueued + 1;
      for (const u of waiting.slice(0, drop)) this.queue.splice(this.queue.indexOf(u), 1);
      this.skipped += drop;
      this.skippedUnsaid += drop;
      this.sayLater(`${this.skippedUnsaid} earlier ${this.skippedUnsaid === 1 ? 'message' : 'messages'} skipped`);
      this.emit('notice', `speech queue full: ${this.skippedUnsaid} chat ${this.skippedUnsaid === 1 ? 'line' : 'lines'} not read aloud`);
    }
    this.queue.push({ from, text: sentence, pcm: null });
    this.pump();
    this.emitState();
  }

  /** A received transmission ended; `channelFree`: nobody else is still talking. */
  transmissionEnded(channelFree: boolean): void {
    if (this.closed || !this.courtesyOn || !channelFree) return;
    this.cue(courtesyTone(this.rate));
  }

  /** Mixes this frame's share of cues and speech into `mix` (called once per output frame). */
  addTo(mix: Int16Array): void {
    if (this.closed) return;
    const now = this.now();
    const busy = this.busy();
    if (busy) this.lastBusyAt = now;
    const n = mix.length;
    const out = new Int16Array(n);
    let pos = 0;
    let sound = false;
    let changed = false;
    while (pos < n) {
      if (this.current === null) {
        this.current = this.next(busy, now);
        if (this.current === null) break;
        if (this.current.kind === 'speech') changed = true;
      }
      const c = this.current;
      if (c.kind === 'speech' && busy) {
        // Someone keyed up: fade out, and read this line again from the start later.
        const fade = Math.min(c.pcm.length - c.offset, n - pos, Math.round((CUT_FADE_MS * this.rate) / 1000));
        for (let i = 0; i < fade; i++) out[pos + i] = Math.round(c.pcm[c.offset + i]! * (1 - (i + 1) / fade));
        sound ||= fade > 0;
        if (c.utt && !this.queue.includes(c.utt)) this.queue.unshift(c.utt);
        this.current = null;
        changed = true;
        break;
      }
      const k = Math.min(n - pos, c.pcm.length - c.offset);
      if (c.kind !== 'gap') {
        out.set(c.pcm.subarray(c.offset, c.offset + k), pos);
        sound = true;
      }
      pos += k;
      c.offset += k;
      if (c.offset >= c.pcm.length) {
        this.current = this.after(c);
        if (c.kind === 'speech') changed = true;
      }
    }
    if (sound) addWithHeadroom(mix, out);
    if (changed) this.emitState();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.cues.length = 0;
    this.current = null;
  }

  private cue(pcm: Int16Array): void {
    if (this.cues.length < MAX_CUES) this.cues.push(pcm);
  }

  /** What follows a finished chunk: a pause before more speech, else nothing. */
  private after(c: Chunk): Chunk | null {
    if (c.kind === 'speech') {
      if (c.utt?.from === null) this.skippedUnsaid = 0;
      return this.queue.length > 0 ? { kind: 'gap', pcm: silence(UTTERANCE_GAP_MS, this.rate), offset: 0 } : null;
    }
    if (c.kind === 'cue' && this.cues.length === 0 && this.queue.length > 0) return { kind: 'gap', pcm: silence(CUE_GAP_MS, this.rate), offset: 0 };
    return null;
  }

  private next(busy: boolean, now: number): Chunk | null {
    const cue = this.cues.shift();
    if (cue !== undefined) return { kind: 'cue', pcm: cue, offset: 0 };
    if (!this.enabled || busy || now - this.lastBusyAt < HANG_MS) return null;
    const u = this.queue[0];
    if (u === undefined || u.pcm === null) return null;
    this.queue.shift();
    return { kind: 'speech', pcm: u.pcm, offset: 0, utt: u };
  }

  /** Puts (or updates) the skipped-messages notice at the head of the queue. */
  private sayLater(text: string): void {
    const head = this.queue[0];
    if (head !== undefined && head.from === null) {
      head.text = text;
      head.pcm = null;
    } else this.queue.unshift({ from: null, text, pcm: null });
  }

  /** Renders the first utterance without audio; one espeak-ng at a time. */
  private pump(): void {
    if (this.rendering || this.closed) return;
    const u = this.queue.find((x) => x.pcm === null);
    if (u === undefined) return;
    this.rendering = true;
    const text = u.text;
    this.render(text).then(
      (pcm) => {
        // The notice's count may have changed meanwhile: then it is rendered again.
        if (u.text === text) u.pcm = pcm;
      },
      (err: Error) => {
        if (err instanceof SpeechUnavailable) {
          if (this.available !== false) this.emit('notice', `${err.message}: chat will not be spoken (apt-get install espeak-ng); everything else works`);
          this.available = false;
          this.queue.length = 0;
        } else {
          const i = this.queue.indexOf(u);
          if (i >= 0) this.queue.splice(i, 1);
          this.emit('notice', `could not speak a chat line: ${err.message}`);
        }
      },
    ).finally(() => {
      this.rendering = false;
      this.pump();
      this.emitState();
    });
  }

  private emitState(): void {
    const s = this.state;
    const key = JSON.stringify(s);
    if (key === this.lastState) return;
    this.lastState = key;
    this.emit('state', s);
  }
}
