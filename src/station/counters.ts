import type { StationStats } from './types.js';

/**
 * How the station's counters (engine.stats()) read for `/status`, the full-screen status
 * view and the diagnostic log: bad frames are dropped and counted, never thrown, and an
 * operator chasing a bad link needs to see these figures.
 */
export function voiceTotals(s: StationStats): { corrupt: number; misfit: number; lost: number; late: number } {
  let lost = 0;
  let late = 0;
  for (const v of Object.values(s.stations)) {
    lost += v.lost;
    late += v.late;
  }
  return { corrupt: s.opusCorrupt, misfit: s.opusMisfit, lost, late };
}

/** One line for the full-screen status bar and the log. */
export function countersLine(s: StationStats): string {
  const t = voiceTotals(s);
  return `invalid frames ${s.invalidFrames}  decode errors ${s.decodeErrors}  opus corrupt ${t.corrupt}  misfit ${t.misfit}  lost ${t.lost}  late ${t.late}`;
}

/** The lines of line mode's `/status` (after the link line). */
export function countersReport(s: StationStats): string[] {
  const t = voiceTotals(s);
  const out = [
    `   frames: ${s.framesSent} sent, ${s.invalidFrames} invalid, ${s.decodeErrors} decode errors`,
    `   voice: ${t.corrupt} Opus corrupt, ${t.misfit} misfit, ${t.lost} lost, ${t.late} late`,
    `   chat held: ${s.chatHeld}, not delivered: ${s.chatUndelivered}`,
    `   history: ${s.storage.saving ? `saved in ${s.storage.dir}` : `NOT saved: ${s.storage.reason}`}`,
  ];
  if (s.capture !== null) {
    const c = s.capture;
    out.push(`   microphone: ${c.captured} frames captured, ${c.delivered} sent at 40 ms pace, ${c.dropped} dropped (device ran ahead), ${c.gaps} gaps`);
  }
  for (const [callsign, v] of Object.entries(s.stations)) {
    out.push(
      `   ${callsign}: ${v.received} received, ${v.played} played, ${v.lost} lost, ${v.late} late, ${v.duplicate} duplicate, ` +
        `${v.underruns} underruns, ${v.concealed} concealed, ${v.corrupt} corrupt, ${v.misfit} misfit, jitter ${v.jitterMs.toFixed(1)} ms, target ${v.targetFrames} frames`,
    );
  }
  return out;
}
