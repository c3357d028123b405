/**
 * The "no audio" back-end: a microphone that never speaks and a loudspeaker that
 * discards, so a station without sound hardware still chats and receives.
 */
import type { CaptureSource, PlaybackSink } from './types.js';

export class NoneCapture implements CaptureSource {
  readonly name = 'none';
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async close(): Promise<void> {}
}

export class NonePlayback implements PlaybackSink {
  readonly name = 'none';
  /** Frames discarded so far (lets callers see that playout ran). */
  frames = 0;
  write(): void {
    this.frames++;
  }
  async close(): Promise<void> {}
}
