/**
 * What the load generators (server-load.ts, interlink-load.ts) share: stations with one
 * UDP socket each, real voice frames with random Opus payloads that identify each frame
 * on arrival, and the clock that paces K talkers at 25 frames/s through a warm-up and a
 * measured window.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { frameMessage, MessageBuilder, RtpStream } from '../src/protocol/index.js';

/** Distinct frames per talker, cycled: a frame's key is unique for VARIANTS × 40 ms. */
export const VARIANTS = 250;

/** A frame's identity for latency: 4 + 4 bytes of its random Opus payload region. */
export const keyOf = (b: Buffer): number => b.readUInt32BE(60) ^ b.readUInt32BE(90);

/** A bound socket with a large receive buffer (a generator receives far more than it sends). */
export async function loadSocket(bindHost?: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, bindHost, () => r()));
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // Capped by net.core.rmem_max.
  }
  return socket;
}

export function loadBuilder(i: number): MessageBuilder {
  return new MessageBuilder({
    source: [10, 0, 0, 2],
    destination: [10, 0, 0, 1],
    sourcePorts: { voice: 40000, text: 40001, control: 40002 },
    initialIdentification: i,
  });
}

/** VARIANTS one-frame voice messages of station `id`, each with a random 80-byte Opus payload. */
export function voiceVariants(id: number, builder: MessageBuilder, ssrc: number): Buffer[] {
  const rtp = new RtpStream(ssrc, 0, 0);
  const payload = new Uint8Array(92);
  const frames: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    rtp.writeNext(payload, 0);
    payload.set(randomBytes(80), 12);
    frames.push(Buffer.from(frameMessage(id, builder.build('voice', payload))[0]!));
  }
  return frames;
}

export interface PacedRun {
  talkers: number;
  warmupMs: number;
  measureMs: number;
  /** How long to wait after the window for the last frames to arrive. */
  drainMs: number;
  /** Talker `t` sends its `n`-th frame now. */
  send(t: number, n: number): void;
  /** The measured window opens (true) and closes (false); `measure-start`/`measure-end` go to stdout too. */
  measuring(on: boolean): void;
}

/**
 * Paces the talkers at one frame per 40 ms each, spread evenly over the period as
 * independent stations are; resolves `drainMs` after the measured window ends.
 */
export function runPaced(o: PacedRun): Promise<void> {
  const due = Array.from({ length: o.talkers }, (_, t) => (t * 40) / o.talkers);
  const count = new Array<number>(o.talkers).fill(0);
  const start = performance.now();
  let inWindow = false;
  return new Promise<void>((resolve) => {
    const step = (): void => {
      const elapsed = performance.now() - start;
      for (let t = 0; t < o.talkers; t++) {
        while (due[t]! <= elapsed) {
          o.send(t, count[t]!);
          count[t]!++;
          due[t]! += 40;
        }
      }
      if (!inWindow && elapsed >= o.warmupMs && elapsed < o.warmupMs + o.measureMs) {
        inWindow = true;
        o.measuring(true);
        process.stdout.write('measure-start\n');
      }
      if (elapsed >= o.warmupMs + o.measureMs) {
        o.measuring(false);
        process.stdout.write('measure-end\n');
        setTimeout(resolve, o.drainMs);
        return;
      }
      setTimeout(step, 1);
    };
    step();
  });
}
