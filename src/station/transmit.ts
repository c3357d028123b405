import {
  formatControl,
  frameMessage,
  OPUS_PACKET_SIZE,
  RTP_HEADER_SIZE,
  RtpStream,
  type MessageBuilder,
} from '../protocol/index.js';
import type { CaptureSource } from '../audio/types.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { VoiceEncoder } from './voice/encoder.js';
import { rmsLevel } from './voice/mixer.js';
import type { Lane, Scheduler } from './scheduler.js';

export interface TransmitterEvents {
  /** PTT went down (true) or up (false). */
  ptt: { active: boolean; at: number };
  /** One encoded voice packet went into the send queue. */
  packet: { sequence: number; opus: Uint8Array; level: number };
  /** A chat line was queued for sending (after any PTT buffering); `ref`: the caller's tag, if any. */
  chatSent: { text: string; at: number; ref?: number };
  buffered: number;
}

/**
 * The PTT state machine: PTT_START → voice frames → PTT_STOP, all in the scheduler's
 * voice lane so their order is guaranteed; chat typed while transmitting waits and is
 * sent after release, as the reference does.
 */
export class Transmitter extends TypedEmitter<TransmitterEvents> {
  private active = false;
  private readonly buffered: { text: string; ref: number | undefined }[] = [];
  private readonly voicePayload = new Uint8Array(RTP_HEADER_SIZE + OPUS_PACKET_SIZE);
  private level = 0;

  constructor(
    private readonly stationId: number,
    private readonly builder: MessageBuilder,
    private readonly scheduler: Scheduler,
    private readonly rtp: RtpStream,
    private readonly encoder: VoiceEncoder,
    private capture: CaptureSource,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get pttActive(): boolean {
    return this.active;
  }

  get bufferedCount(): number {
    return this.buffered.length;
  }

  get micLevel(): number {
    return this.level;
  }

  setCapture(c: CaptureSource): void {
    this.capture = c;
  }

  async setPtt(on: boolean): Promise<void> {
    if (on === this.active) return;
    this.active = on;
    if (on) {
      this.rtp.beginTransmission();
      this.scheduler.enqueue('voice', frameMessage(this.stationId, this.builder.control(formatControl({ type: 'ptt_start' }))));
      this.emit('ptt', { active: true, at: this.now() });
      // A finite microphone (a WAV file) ends the transmission when it runs out.
      await this.capture.start(
        (pcm) => this.onAudio(pcm),
        () => void this.setPtt(false),
      );
    } else {
      await this.capture.stop();
      this.level = 0;
      this.scheduler.enqueue('voice', frameMessage(this.stationId, this.builder.control(formatControl({ type: 'ptt_stop' }))));
      this.emit('ptt', { active: false, at: this.now() });
      const lines = this.buffered.splice(0);
      for (const l of lines) this.sendText(l.text, l.ref);
      if (lines.length) this.emit('buffered', 0);
    }
  }

  private onAudio(pcm: Int16Array): void {
    if (!this.active) return;
    const opus = this.encoder.encode(pcm);
    const h = this.rtp.writeNext(this.voicePayload, 0);
    this.voicePayload.set(opus, RTP_HEADER_SIZE);
    this.scheduler.enqueue('voice', frameMessage(this.stationId, this.builder.build('voice', this.voicePayload)));
    this.level = rmsLevel(pcm);
    this.emit('packet', { sequence: h.sequence, opus, level: this.level });
  }

  /** Whether there is a microphone at all (not --no-audio, not a missing device). */
  get hasMicrophone(): boolean {
    return this.capture.name !== 'none';
  }

  sendChat(text: string, ref?: number): void {
    if (this.active) {
      this.buffered.push({ text, ref });
      this.emit('buffered', this.buffered.length);
      return;
    }
    this.sendText(text, ref);
  }

  /**
   * A control word to go just ahead of each chat line, or null (see the engine: a tagged
   * keepalive when frames go untagged, so a server that lost us to a NAT rebinding follows
   * us to the new port before the line arrives).
   */
  chatPreamble: () => string | null = () => null;

  private sendText(text: string, ref: number | undefined): void {
    const pre = this.chatPreamble();
    if (pre !== null) this.scheduler.enqueue('text', frameMessage(this.stationId, this.builder.control(pre)));
    this.scheduler.enqueue('text', frameMessage(this.stationId, this.builder.text(text)));
    this.emit('chatSent', ref === undefined ? { text, at: this.now() } : { text, at: this.now(), ref });
  }

  /** A control word; in the text lane it goes out after the chat already queued (a delivery probe). */
  sendControl(word: string, lane: Lane = 'control'): void {
    this.scheduler.enqueue(lane, frameMessage(this.stationId, this.builder.control(word)));
  }
}
