import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { AdminActionResult } from '../contract/stats.js';
import { fitToLines, overlayOptions, raise } from './overlay.js';

export type StationAction = 'kick' | 'ban';

/** What the actions need from the client (the real StatsClient in use, a test double never). */
export interface ActionSender {
  action(action: StationAction, callsign: string): Promise<AdminActionResult>;
}

const VERB: Record<AdminActionResult['action'], string> = { kick: 'Kick', ban: 'Ban', unban: 'Unban' };

/** The one-line result of an action as the sysop reads it. */
export function describeResult(r: AdminActionResult): string {
  const what = `${VERB[r.action]} ${r.callsign}`;
  return r.ok ? `${what}: done${r.message ? ` — ${r.message}` : ''}` : `${what} refused: ${r.message}`;
}

/** The question's lines: what, what it means, the answers. */
export function confirmLines(action: StationAction, callsign: string, server?: string): string[] {
  const extra =
    server !== undefined ? `(on ${server}: network-wide)` : action === 'ban' ? '(kept out until unbanned)' : '(kept out for the kick hold-down)';
  return [`${VERB[action]} ${callsign}?`, extra, '[y] yes   [n / Esc] no'];
}

/**
 * Kick and ban on the selected station: a confirmation box first (y / n, Esc), then
 * the request with the token, then the server's answer reported back.
 */
export class StationActions {
  private pending: { action: StationAction; callsign: string } | null = null;
  private readonly dialog: Widgets.BoxElement;

  constructor(
    screen: Widgets.Screen,
    private readonly sender: ActionSender,
    private readonly report: (text: string, ok: boolean) => void,
    private readonly render: () => void,
  ) {
    this.dialog = blessed.box({ parent: screen, ...overlayOptions('Confirm', 'red'), width: 40, height: 6, tags: true });
  }

  get open(): boolean {
    return this.pending !== null;
  }

  /**
   * Asks to confirm `action` on `callsign` (nothing selected: says so). `server`: the
   * station is on another interlinked server; this server passes the action on to all.
   */
  ask(action: StationAction, callsign: string | null, server?: string): void {
    if (this.pending) return;
    if (callsign === null) {
      this.report(`${VERB[action]}: no station selected`, false);
      return;
    }
    this.pending = { action, callsign };
    const lines = confirmLines(action, callsign, server);
    // Sized to its lines (each on its own row), so nothing wraps and no ")" is left alone.
    fitToLines(this.dialog, lines);
    this.dialog.setContent(lines.map((l, i) => `{center}${i === 0 ? `{bold}${blessed.escape(l)}{/bold}` : blessed.escape(l)}{/center}`).join('\n'));
    raise(this.dialog);
    this.render();
  }

  /** The sysop's answer to the open question; resolves once the server has answered. */
  async answer(yes: boolean): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.dialog.hide();
    if (!yes) {
      this.report(`${VERB[p.action]} ${p.callsign}: cancelled`, false);
      this.render();
      return;
    }
    this.report(`${VERB[p.action]} ${p.callsign}: sending …`, true);
    this.render();
    const r = await this.sender.action(p.action, p.callsign);
    this.report(describeResult(r), r.ok);
    this.render();
  }
}
