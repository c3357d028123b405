/**
 * What the station counts on the receive side, for `/status`, the full-screen status
 * view and the diagnostic log: bad frames are dropped and counted, never thrown, and an
 * operator chasing a bad link needs to see these figures.
 */
export interface StationVoiceCounters {
  callsign: string;
  received: number;
  played: number;
  lost: number;
  late: number;
  duplicate: number;
  underruns: number;
  /** Opus packets libopus refused (concealed instead). */
  corrupt: number;
  /** Opus packets of another duration than 40 ms (cut or padded); absent where not counted. */
  misfit?: number;
  concealed: number;
  jitterMs: number;
  targetFrames: number;
}

export interface StationCounters {
  /** Datagrams that are not a valid 134-byte frame (wrong size, token, station id). */
  invalidFrames: number;
  /** Frames that did not reassemble into a valid message (COBS, checksums, kind). */
  decodeErrors: number;
  /** Per station heard, while the voice receiver still keeps its state. */
  voice: StationVoiceCounters[];
}

export function voiceTotals(c: StationCounters): { corrupt: number; misfit: number; lost: number; late: number } {
  let corrupt = 0;
  let misfit = 0;
  let lost = 0;
  let late = 0;
  for (const v of c.voice) {
    corrupt += v.corrupt;
    misfit += v.misfit ?? 0;
    lost += v.lost;
    late += v.late;
  }
  return { corrupt, misfit, lost, late };
}

/** One line for the full-screen status bar and the log. */
export function countersLine(c: StationCounters): string {
  const t = voiceTotals(c);
  return `invalid frames ${c.invalidFrames}  decode errors ${c.decodeErrors}  opus corrupt ${t.corrupt}  misfit ${t.misfit}  lost ${t.lost}  late ${t.late}`;
}

/** The lines of line mode's `/status` (after the link line). */
export function countersReport(c: StationCounters): string[] {
  const t = voiceTotals(c);
  const out = [
    `   frames: ${c.invalidFrames} invalid, ${c.decodeErrors} decode errors`,
    `   voice: ${t.corrupt} Opus corrupt, ${t.misfit} misfit, ${t.lost} lost, ${t.late} late`,
  ];
  for (const v of c.voice) {
    out.push(
      `   ${v.callsign}: ${v.received} received, ${v.played} played, ${v.lost} lost, ${v.late} late, ${v.duplicate} duplicate, ` +
        `${v.underruns} underruns, ${v.concealed} concealed, ${v.corrupt} corrupt, ${v.misfit ?? 0} misfit, jitter ${v.jitterMs.toFixed(1)} ms, target ${v.targetFrames} frames`,
    );
  }
  return out;
}
