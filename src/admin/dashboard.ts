import { OpvError } from '../errors.js';
import blessed from 'blessed';
import type { Widgets } from 'blessed';
import contrib from 'blessed-contrib';
import type { ServerEvent, ServerStats } from '../contract/stats.js';
import { StationActions, type ActionSender } from './actions.js';
import type { ExtAdminSender } from './ext-client.js';
import { BansAndAnnounce } from './panels/bans.js';
import type { ConnectionState, StatsClient } from './client.js';
import { cellPosition, layoutFor, type PanelName } from './layout.js';
import { DashboardModel, nextRoom, nextSortKey, type SortKey } from './model.js';
import { ErrorsGraph } from './panels/errors-graph.js';
import { EventLog } from './panels/event-log.js';
import { ServerFigures } from './panels/server-figures.js';
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
  /** Ban list, unban and announcements (keys u and a); absent: those keys do nothing. */
  ext?: ExtAdminSender;
  /** Start filtered to this room (`--room`; canonical name). */
  room?: string | null;
}

/** Coalesces redraws caused by bursts of events (PTT storms) to one per this many ms. */
const RENDER_COALESCE_MS = 50;

/**
 * The composition root of the screen: the blessed-contrib grid, its panels, the keys.
 * It is fed snapshots, events and connection states; it knows nothing of HTTP.
 *
 * Wide terminals (see layout.ts; narrow ones give the table the full width):
 *   ┌ Stations (8 cols) ───────────────┐┌ Server (4) ─┐
 *   │                                  ││             │  rows 0–5
 *   └──────────────────────────────────┘└─────────────┘
 *   ┌ Traffic (6) ─────┐┌ Errors (6) ──────────────────┐  rows 6–8
 *   ┌ Events (12) ──────────────────────────────────────┐  rows 9–11
 *   status: connection / sort, keys, last action          2 lines
 */
export class Dashboard {
  readonly screen: Widgets.Screen;
  readonly model: DashboardModel;
  readonly table: StationsTable;
  private readonly traffic: TrafficGraph;
  private readonly errors: ErrorsGraph;
  private readonly figures: ServerFigures;
  private readonly log: EventLog;
  private readonly status: StatusBar;
  private readonly actions: StationActions;
  private sortKey: SortKey = 'callsign';
  private descending = false;
  /** The room the table and the log show (null: all); `f` cycles it. */
  private room: string | null = null;
  private renderTimer: NodeJS.Timeout | null = null;
  private lastConnection: ConnectionState['status'] | null = null;
  private readonly now: () => number;
  private closed = false;
  private layoutName: 'wide' | 'narrow';

  constructor(sender: ActionSender, opts: DashboardOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.model = opts.model ?? new DashboardModel();
    this.screen =
      opts.screen ?? blessed.screen({ smartCSR: true, fullUnicode: true, forceUnicode: true, title: 'opv admin', autoPadding: true });
    // Unicode line drawing, as in the station: ACS comes out as "lqqk" through PuTTY/mosh.
    const tput = (this.screen as unknown as { tput?: { unicode: boolean; brokenACS: boolean } }).tput;
    if (tput?.unicode) tput.brokenACS = true;
    const body = blessed.box({ parent: this.screen, top: 0, left: 0, right: 0, bottom: 2 });
    const grid = new contrib.grid({ rows: 12, cols: 12, screen: body });
    const layout = layoutFor(Number(this.screen.width));
    this.layoutName = layout.name;
    this.table = new StationsTable(grid, layout.cells.table);
    this.figures = new ServerFigures(grid, layout.cells.figures);
    this.traffic = new TrafficGraph(grid, layout.cells.traffic);
    this.errors = new ErrorsGraph(grid, layout.cells.errors);
    this.log = new EventLog(grid, layout.cells.log);
    this.status = new StatusBar(this.screen);
    this.status.setSort(this.sortKey, this.descending);
    this.room = opts.room ?? null;
    this.status.setRoom(this.room);
    this.actions = new StationActions(
      this.screen,
      sender,
      (text, ok) => {
        this.status.setResult(text, ok);
        this.log.note(text, this.now(), ok ? 'green' : 'red');
      },
      () => this.scheduleRender(),
    );
    this.bindKeys(opts.onQuit ?? (() => undefined));
    if (opts.ext) this.bindExtKeys(opts.ext);
    this.screen.on('resize', () => {
      this.relayout();
      this.traffic.resize();
      this.errors.resize();
      this.refreshPanels();
      // Lines re-wrap at the new width only when drawn: draw, then scroll to the newest.
      this.render();
      this.log.toNewest();
      this.render();
    });
    this.table.focus();
    this.refreshPanels();
  }

  /** Moves the panels when the terminal crosses between the wide and the narrow layout. */
  private relayout(): void {
    const layout = layoutFor(Number(this.screen.width));
    if (layout.name === this.layoutName) return;
    this.layoutName = layout.name;
    const elements: Record<PanelName, Widgets.BlessedElement> = {
      table: this.table.box,
      figures: this.figures.box,
      traffic: this.traffic.element,
      errors: this.errors.element,
      log: this.log.log,
    };
    for (const name of Object.keys(elements) as PanelName[]) {
      const el = elements[name];
      const pos = cellPosition(layout.cells[name]);
      el.top = pos.top;
      el.left = pos.left;
      el.width = pos.width;
      el.height = pos.height;
    }
  }

  private bindKeys(onQuit: () => void): void {
    const s = this.screen;
    s.key(['q', 'C-c'], () => {
      if (this.actions.open) void this.actions.answer(false);
      else onQuit();
    });
    s.key(['y'], () => void this.actions.answer(true));
    s.key(['n', 'escape'], () => void this.actions.answer(false));
    s.key(['k'], () => {
      if (!this.actions.open) this.actions.ask('kick', this.table.selected(), this.table.selectedServer());
    });
    s.key(['b'], () => {
      if (!this.actions.open) this.actions.ask('ban', this.table.selected(), this.table.selectedServer());
    });
    s.key(['s'], () => {
      if (!this.actions.open) this.setSort(nextSortKey(this.sortKey), this.descending);
    });
    s.key(['r'], () => {
      if (!this.actions.open) this.setSort(this.sortKey, !this.descending);
    });
    s.key(['f'], () => {
      if (!this.actions.open) this.setRoom(nextRoom(this.room, this.model.roomNames()));
    });
  }

  private bindExtKeys(sender: ExtAdminSender): void {
    const ext = new BansAndAnnounce(
      this.screen,
      sender,
      (text, ok) => {
        this.status.setResult(text, ok);
        this.log.note(text, this.now(), ok ? 'green' : 'red');
      },
      () => this.render(),
      () => this.table.focus(),
    );
    this.screen.key(['u'], () => {
      if (!this.actions.open && !ext.open) void ext.showBans();
    });
    this.screen.key(['a'], () => {
      if (!this.actions.open && !ext.open) ext.askAnnouncement();
    });
  }

  /** Orders the table by `key` (what `s` and `r` do). */
  setSort(key: SortKey, descending: boolean): void {
    this.sortKey = key;
    this.descending = descending;
    this.status.setSort(this.sortKey, this.descending);
    this.table.setRows(this.model.rows(this.sortKey, this.descending, this.room), this.sortKey, this.descending);
    // A key's effect is drawn at once: coalescing is for bursts of server events.
    this.render();
  }

  /** Filters the table and the log to one room (null: all); what `f` does. */
  setRoom(room: string | null): void {
    this.room = room;
    this.status.setRoom(room);
    this.log.note(room === null ? 'showing all rooms' : `showing room ${room} only`, this.now(), 'cyan');
    this.refreshPanels();
    this.render();
  }

  private refreshPanels(): void {
    const stats = this.model.stats;
    const multi = this.model.multiRoom;
    const where = this.room === null ? (multi ? '· all rooms' : '') : `· room ${this.room}`;
    const summary = multi ? roomsSummary(this.model.rooms) : '';
    // Filtered to one room, the ROOM column would say the same on every line.
    this.table.setRoomView(multi && this.room === null, [where, summary && this.room === null ? `· ${summary}` : ''].filter(Boolean).join(' '));
    this.status.setLink(stats?.interlink ? { text: interlinkShort(stats.interlink), ok: stats.interlink.connected } : null);
    this.table.setRows(this.model.rows(this.sortKey, this.descending, this.room), this.sortKey, this.descending);
    this.figures.update(this.model);
    this.traffic.update(this.model);
    this.errors.update(this.model);
  }

  /** A snapshot from the server, taken at `atMs`. */
  applyStats(stats: ServerStats, atMs: number): void {
    const { restarted } = this.model.update(stats, atMs);
    if (restarted) this.log.note('server restarted: counters start again from zero', this.now(), 'yellow');
    this.refreshPanels();
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
    if (!this.closed) this.screen.render();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.renderTimer) clearTimeout(this.renderTimer);
    this.renderTimer = null;
    this.screen.destroy();
  }
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
export function runDashboard(client: StatsClient, ext?: ExtAdminSender, room: string | null = null): Promise<void> {
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
    const dash = new Dashboard(client, { onQuit: () => finish(), ext, room });
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
