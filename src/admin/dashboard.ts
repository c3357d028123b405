import { OpvError } from '../errors.js';
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { ServerEvent, ServerStats } from '../contract/stats.js';
import { StationActions, type ActionSender } from './actions.js';
import { BanList } from './panels/bans.js';
import { AnnounceBox } from './panels/announce.js';
import type { ConnectionState, ExtAdminSender, StatsClient } from './client.js';
import { KEY_TABLE, type KeyAction, type KeyContext } from './keys.js';
import { planLayout, type Layout, type Rect } from './layout.js';
import { DashboardModel, nextRoom, nextSortKey, type SortKey } from './model.js';
import { ErrorsGraph } from './panels/errors-graph.js';
import { EventLog } from './panels/event-log.js';
import { HelpOverlay } from './panels/help.js';
import { ServerFigures, figurePanelRows } from './panels/server-figures.js';
import { StationsTable } from './panels/stations-table.js';
import { StatusBar } from './panels/status-bar.js';
import { TrafficGraph } from './panels/traffic-graph.js';
import { interlinkShort, roomsSummary } from './panels/rooms.js';

export interface DashboardOptions {
  /** A screen to draw on (the bench passes one writing to nowhere); default: the terminal. */
  screen?: Widgets.Screen;
  model?: DashboardModel;
  /** Called when the sysop quits (q, Ctrl+C). */
  onQuit?: () => void;
  now?: () => number;
  /** Ban list, unban and announcements (keys u and a); absent: those keys are not offered. */
  ext?: ExtAdminSender;
  /** Start filtered to this room (`--room`; canonical name). */
  room?: string | null;
}

/** Coalesces redraws caused by bursts of events (PTT storms) to one per this many ms. */
const RENDER_COALESCE_MS = 50;

/**
 * The composition root of the screen: the panels, where they sit (layout.ts, worked
 * out again at every resize and whenever the figures or the status lines need another
 * row), the keys (keys.ts: one table for the bindings, the footer and the help). It is
 * fed snapshots, events and connection states; it knows nothing of HTTP.
 */
export class Dashboard {
  readonly screen: Widgets.Screen;
  readonly model: DashboardModel;
  readonly table: StationsTable;
  private readonly body: Widgets.BoxElement;
  private readonly traffic: TrafficGraph;
  private readonly errors: ErrorsGraph;
  private readonly figures: ServerFigures;
  private readonly log: EventLog;
  private readonly status: StatusBar;
  private readonly actions: StationActions;
  private readonly help: HelpOverlay;
  private readonly ext: { bans: BanList; announce: AnnounceBox } | null;
  private sortKey: SortKey = 'callsign';
  private descending = false;
  /** The room the table and the log show (null: all); `f` cycles it. */
  private room: string | null = null;
  private renderTimer: NodeJS.Timeout | null = null;
  private lastConnection: ConnectionState['status'] | null = null;
  private readonly now: () => number;
  private closed = false;
  private layout: Layout | null = null;
  /** The layout moved panels: the log is scrolled to its newest line after the next draw. */
  private moved = false;

  constructor(sender: ActionSender, opts: DashboardOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.model = opts.model ?? new DashboardModel();
    this.screen =
      opts.screen ?? blessed.screen({ smartCSR: true, fullUnicode: true, forceUnicode: true, title: 'opv admin', autoPadding: true });
    // Unicode line drawing, as in the station: ACS comes out as "lqqk" through PuTTY/mosh.
    const tput = (this.screen as unknown as { tput?: { unicode: boolean; brokenACS: boolean } }).tput;
    if (tput?.unicode) tput.brokenACS = true;
    this.body = blessed.box({ parent: this.screen, top: 0, left: 0, right: 0, height: Math.max(1, Number(this.screen.height) - 2) });
    this.table = new StationsTable(this.body);
    this.figures = new ServerFigures(this.body);
    this.traffic = new TrafficGraph(this.body);
    this.errors = new ErrorsGraph(this.body);
    this.log = new EventLog(this.body);
    this.status = new StatusBar(this.screen, opts.ext !== undefined);
    this.room = opts.room ?? null;
    const report = (text: string, ok: boolean): void => {
      this.status.setResult(text, ok);
      this.log.note(text, this.now(), ok ? 'green' : 'red');
      this.relayout();
    };
    this.actions = new StationActions(this.screen, sender, report, () => this.scheduleRender());
    const backToTable = (): void => {
      this.table.focus();
      // The footer shows the dashboard's keys again.
      this.relayout();
    };
    this.ext = opts.ext
      ? { bans: new BanList(this.screen, opts.ext, report, () => this.render(), backToTable), announce: new AnnounceBox(this.screen, opts.ext, report, () => this.render(), backToTable) }
      : null;
    this.help = new HelpOverlay(this.screen, opts.ext !== undefined);
    this.bindKeys(opts.onQuit ?? (() => undefined));
    this.screen.on('resize', () => {
      this.relayout();
      this.render();
    });
    this.table.focus();
    this.relayout();
  }

  /** Which keys work now: those of the box on top, else the dashboard's. */
  private context(): KeyContext {
    if (this.help.open) return 'help';
    if (this.actions.open) return 'confirm';
    return this.ext?.bans.open ? 'bans' : this.ext?.announce.open ? 'announce' : 'main';
  }

  private bindKeys(onQuit: () => void): void {
    const handlers: Record<KeyAction, () => void> = {
      help: () => this.help.show(),
      quit: onQuit,
      kick: () => this.actions.ask('kick', this.table.selected(), this.table.selectedServer()),
      ban: () => this.actions.ask('ban', this.table.selected(), this.table.selectedServer()),
      announce: () => this.ext?.announce.ask(),
      bans: () => void this.ext?.bans.show(),
      sort: () => this.setSort(nextSortKey(this.sortKey), this.descending),
      reverse: () => this.setSort(this.sortKey, !this.descending),
      room: () => this.setRoom(nextRoom(this.room, this.model.roomNames())),
      up: () => this.table.move(-1),
      down: () => this.table.move(1),
      pageUp: () => this.table.move('pageUp'),
      pageDown: () => this.table.move('pageDown'),
      first: () => this.table.move(-Infinity),
      last: () => this.table.move(Infinity),
      yes: () => void this.actions.answer(true),
      no: () => void this.actions.answer(false),
      closeHelp: () => {
        this.help.hide();
        this.table.focus();
      },
    };
    // One listener: the context is read once per key, so the key that opens a box does not also close it.
    this.screen.on('keypress', (_ch: unknown, key: { full?: string } | undefined) => {
      const full = key?.full;
      if (full === undefined) return;
      if (full === 'C-c') {
        onQuit();
        return;
      }
      const context = this.context();
      const binding = KEY_TABLE.find((b) => b.context === context && b.keys.includes(full) && (this.ext !== null || !b.ext));
      if (!binding?.action) return;
      handlers[binding.action]();
      if (context !== this.context()) this.relayout();
      this.render();
    });
  }

  /** Orders the table by `key` (what `s` and `r` do). */
  setSort(key: SortKey, descending: boolean): void {
    this.sortKey = key;
    this.descending = descending;
    this.table.setRows(this.model.rows(this.sortKey, this.descending, this.room), this.sortKey, this.descending);
    // A key's effect is drawn at once: coalescing is for bursts of server events.
    this.render();
  }

  /** Filters the table and the log to one room (null: all); what `f` does. */
  setRoom(room: string | null): void {
    this.room = room;
    this.log.note(room === null ? 'showing all rooms' : `showing room ${room} only`, this.now(), 'cyan');
    this.refreshPanels();
    this.render();
  }

  /**
   * Works out the layout for the terminal's size, the status lines and the figures'
   * needs, moves what moved, then fills the panels for their new widths.
   */
  private relayout(): void {
    const cols = Number(this.screen.width);
    const rows = Number(this.screen.height);
    if (!Number.isFinite(cols) || !Number.isFinite(rows) || cols <= 0 || rows <= 0) return;
    const stats = this.model.stats;
    this.status.setLink(stats?.interlink ? { text: interlinkShort(stats.interlink), ok: stats.interlink.connected } : null);
    this.status.setAlerts(stats?.alerts.length ?? 0);
    this.status.setContext(this.context());
    const statusRows = this.status.refresh(cols);
    const bodyRows = Math.max(1, rows - statusRows);
    this.body.height = bodyRows;
    const next = planLayout({ cols, rows: bodyRows, figureRows: (w) => figurePanelRows(this.model, w) });
    const prev = this.layout;
    this.layout = next;
    place(this.table.box, next.table);
    place(this.figures.box, next.figures);
    place(this.log.log, next.log);
    for (const [chart, rect, was] of [
      [this.traffic, next.traffic, prev?.traffic],
      [this.errors, next.errors, prev?.errors],
    ] as const) {
      if (rect === null) {
        chart.element.hide();
        continue;
      }
      place(chart.element, rect);
      chart.element.show();
      if (!was || was.width !== rect.width || was.height !== rect.height) chart.resize();
    }
    if (!prev || JSON.stringify(prev) !== JSON.stringify(next)) this.moved = true;
    this.refreshPanels();
  }

  private refreshPanels(): void {
    const multi = this.model.multiRoom;
    const where = this.room === null ? (multi ? '· all rooms' : '') : `· room ${this.room}`;
    const summary = multi ? roomsSummary(this.model.rooms) : '';
    // Filtered to one room, the ROOM column would say the same on every line.
    this.table.setRoomView(multi && this.room === null, [where, summary && this.room === null ? `· ${summary}` : ''].filter(Boolean).join(' '));
    this.table.setRows(this.model.rows(this.sortKey, this.descending, this.room), this.sortKey, this.descending);
    this.figures.update(this.model);
    if (this.layout?.traffic) this.traffic.update(this.model);
    if (this.layout?.errors) this.errors.update(this.model);
  }

  /** A snapshot from the server, taken at `atMs`. */
  applyStats(stats: ServerStats, atMs: number): void {
    const { restarted } = this.model.update(stats, atMs);
    if (restarted) this.log.note('server restarted: counters start again from zero', this.now(), 'yellow');
    this.relayout();
    this.scheduleRender();
  }

  applyEvent(e: ServerEvent): void {
    if (this.room !== null && !this.model.eventInRoom(e, this.room)) return;
    this.log.event(e);
    this.scheduleRender();
  }

  setConnection(s: ConnectionState): void {
    this.status.setConnection(s);
    // The log records changes of state, not every retry of the same failure.
    if (s.status !== this.lastConnection && s.status !== 'connecting' && s.status !== 'closed') {
      this.log.note(s.status === 'connected' ? s.message : `${s.status}: ${s.message}`, this.now(), s.status === 'connected' ? 'green' : 'red');
    }
    if (s.status !== 'connecting') this.lastConnection = s.status;
    this.relayout();
    this.scheduleRender();
  }

  /** A problem with what the server sent (shown, the stream goes on). */
  problem(text: string): void {
    this.log.note(`ignored: ${text}`, this.now(), 'red');
    this.scheduleRender();
  }

  private scheduleRender(): void {
    if (this.renderTimer || this.closed) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, RENDER_COALESCE_MS);
  }

  render(): void {
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.renderTimer = null;
    if (this.closed) return;
    this.screen.render();
    if (this.moved) {
      // Lines re-wrap at a new width only when drawn: draw, then show the newest.
      this.moved = false;
      this.log.toNewest();
      this.screen.render();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.renderTimer = null;
    this.screen.destroy();
  }
}

function place(el: Widgets.BlessedElement, r: Rect): void {
  el.top = r.top;
  el.left = r.left;
  el.width = r.width;
  el.height = r.height;
}

/** The dashboard ended because the server will not let it in: retrying cannot help. */
export class DashboardRefusedError extends OpvError {
  override readonly name = 'DashboardRefusedError';
  constructor(message: string) {
    super('OPV_STATS_CLIENT', message);
  }
}

/**
 * Runs the dashboard on the terminal against `client` until the sysop quits or the
 * process is told to stop (SIGTERM, SIGHUP when the SSH session drops); releases the
 * screen, the stream and its timers before resolving. A wrong or missing token ends it
 * at once with that one-line reason (rejects with DashboardRefusedError): the server
 * will not change its mind on the next retry.
 */
export function runDashboard(client: StatsClient, room: string | null = null): Promise<void> {
  return new Promise((resolve, reject) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const finish = (refused?: string): void => {
      for (const s of signals) process.off(s, onSignal);
      client.removeAllListeners();
      client.close();
      dash.close();
      if (refused) reject(new DashboardRefusedError(refused));
      else resolve();
    };
    const onSignal = (): void => finish();
    const dash = new Dashboard(client, { onQuit: () => finish(), ext: client, room });
    client.on('state', (s) => {
      if (s.status === 'unauthorized') {
        finish(s.message);
        return;
      }
      dash.setConnection(s);
    });
    client.on('stats', ({ stats, at }) => dash.applyStats(stats, at));
    client.on('event', (e) => dash.applyEvent(e));
    client.on('problem', (p) => dash.problem(p));
    for (const s of signals) process.on(s, onSignal);
    client.start();
    dash.render();
  });
}
