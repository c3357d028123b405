import { inert } from '../util/inert-text.js';
import { debugLog } from '../util/debug-log.js';
import { countersLine } from './counters.js';
import type { StationEngine } from './engine.js';

const log = {
  link: debugLog('station', 'link'),
  chat: debugLog('station', 'chat'),
  ptt: debugLog('station', 'ptt'),
  history: debugLog('station', 'history'),
  notice: debugLog('station', 'notice'),
  counters: debugLog('station', 'counters'),
};

/** How often changed counters are written to the log. */
const COUNTERS_EVERY_MS = 5000;

/**
 * The station's diagnostic log: everything the engine reports, as it happens, and the
 * receive counters when they change. Remote text is logged inert, so a log viewed
 * with `less -R` or `tail -f` cannot be attacked either. Returns a detach function.
 */
export function attachDiagnostics(engine: StationEngine): () => void {
  engine.on('link', (l) => log.link('%s', l.kind === 'connected' ? `connected rtt=${l.rttMs}ms` : l.kind === 'unreachable' ? `unreachable: ${inert(l.error)}` : l.kind));
  engine.on('chat', (c) => log.chat('%s #%d %s: %s', c.direction, c.id, c.callsign, inert(c.text)));
  engine.on('ptt', (p) => log.ptt('%s %s%s', p.callsign, p.state, p.local ? ' (local)' : ''));
  engine.on('history', (h) => {
    if (h.type === 'transmission' && !h.open) log.history('#%d %s %s %d frames, %d lost, %d ms', h.id, h.direction, h.callsign, h.frames, h.framesLost, h.durationMs);
  });
  engine.on('notice', (n) => log.notice('%s: %s', n.level, inert(n.text)));
  engine.on('left', (l) => log.link('%s left (BYE)', l.callsign));
  for (const n of engine.startupNotices) log.notice('%s: %s', n.level, inert(n.text));
  let last = '';
  const timer = setInterval(() => {
    const line = countersLine(engine.stats());
    if (line !== last) log.counters('%s', line);
    last = line;
  }, COUNTERS_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
