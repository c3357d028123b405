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
import type { Scheduler } from './scheduler.js';

export interface TransmitterEvents {
  /** PTT went down (true) or up (false). */
  ptt: { active: boolean; at: number };
  /** One encoded voice packet went into the send queue. */
  packet: { sequence: number; opus: Uint8Array; level: number };
  /** A chat line was queued for sending (after any PTT buffering). */
  chatSent: { text: string; at: number };
  buffered: number;
}

/**
 * The PTT state machine: PTT_START → voice frames → PTT_STOP, all in the scheduler's
 * voice lane so their order is guaranteed; chat typed while transmitting waits and is
 * sent after release, as the reference does.
 */
export class Transmitter extends TypedEmitter<TransmitterEvents> {
  private active = false;
  private readonly buffered: string[] = [];
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
      for (const l of lines) this.sendText(l);
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

  sendChat(text: string): void {
    if (this.active) {
      this.buffered.push(text);
      this.emit('buffered', this.buffered.length);
      return;
    }
    this.sendText(text);
  }

  private sendText(text: string): void {
    this.scheduler.enqueue('text', frameMessage(this.stationId, this.builder.text(text)));
    this.emit('chatSent', { text, at: this.now() });
  }

  sendControl(word: string): void {
    this.scheduler.enqueue('control', frameMessage(this.stationId, this.builder.control(word)));
  }
}
