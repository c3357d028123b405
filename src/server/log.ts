import type { AlertKind, ServerStats } from '../contract/stats.js';
import type { LogFormat } from './config.js';
import { localIsoTime, wantsTimestamps } from './log-time.js';

/**
 * Every line the operator sees, in one place. The human format follows the reference
 * `locus` server's wording (so existing habits and log greps keep working); the JSON
 * format is one object per line for journald/Loki.
 */
export class OperatorLog {
  private readonly stamped = wantsTimestamps();

  constructor(
    private readonly format: LogFormat,
    private readonly verboseOn: boolean,
    private readonly out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  ) {}

  private emit(event: string, fields: Record<string, unknown>, human: string[] | string, level = 'info'): void {
    if (this.format === 'json') {
      this.out(JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields }));
    } else {
      const ts = this.stamped ? localIsoTime(new Date()) + ' ' : '';
      for (const l of Array.isArray(human) ? human : [human]) this.out(ts + l);
    }
  }

  /** The start-up line: ports as bound (a flag of 0 asked the kernel for any free one). */
  banner(b: { listen: string; udpPort: number; timeoutS: number; statsUrl: string | null; statsPort: number | null; returnMode: string; rooms: { room: string; port: number | null }[] }): void {
    this.emit(
      'starting',
      { listen: b.listen, udp_port: b.udpPort, timeout_s: b.timeoutS, stats_url: b.statsUrl, stats_port: b.statsPort, return_mode: b.returnMode, rooms: b.rooms },
      [
        '📡 OPULENT VOICE CONFERENCE SERVER',
        `📡 Listening on: ${b.listen}`,
        `⏱️  Station timeout: ${b.timeoutS}s`,
        `↩️  Return path: ${b.returnMode}`,
        ...(b.statsUrl ? [`📊 Stats channel: ${b.statsUrl}`] : []),
      ],
    );
  }

  ready(): void {
    this.emit('ready', {}, '🚀 Server ready for connections');
  }

  /** room: null when the server has only its one conference (the reference's line, unchanged). */
  newStation(callsign: string, endpoint: string, room: string | null): void {
    this.emit('station_joined', { callsign, endpoint, ...(room !== null ? { room } : {}) }, `🆕 NEW STATION: ${callsign} at ${endpoint}${room !== null ? ` in room ${room}` : ''}`);
  }

  /** One callsign admitted on two servers at once: the other server keeps it (the network's rule). */
  duplicate(callsign: string, endpoint: string, holder: string): void {
    this.emit('duplicate_dropped', { callsign, endpoint, holder }, `🛡️  DUPLICATE: ${callsign} at ${endpoint} is also on server ${holder}, which joined it first: dropped here`, 'warn');
  }

  roomChanged(callsign: string, from: string, to: string): void {
    this.emit('room_changed', { callsign, from, to }, `🚪 ROOM CHANGE: ${callsign} ${from} → ${to}`);
  }

  rooms(list: { room: string; port: number | null }[]): void {
    this.emit('rooms', { rooms: list }, `🚪 Rooms: ${list.map((r) => (r.port === null ? `${r.room} (by name)` : `${r.room} (port ${r.port})`)).join(', ')}`);
  }

  remoteStation(callsign: string, server: string, room: string, joined: boolean): void {
    this.emit(joined ? 'remote_joined' : 'remote_left', { callsign, server, room }, joined ? `🌐 REMOTE STATION: ${callsign} on ${server} in room ${room}` : `🌐 REMOTE STATION LEFT: ${callsign} on ${server} (room ${room})`);
  }


  endpointChanged(callsign: string, from: string, to: string): void {
    this.emit('endpoint_changed', { callsign, from, to }, `🔄 ENDPOINT CHANGE: ${callsign} ${from} → ${to}`);
  }

  timeout(callsign: string, endpoint: string, idleS: number): void {
    this.emit('station_timeout', { callsign, endpoint, idle_s: idleS }, `⏰ TIMEOUT: ${callsign} at ${endpoint} (silent ${idleS}s)`);
  }

  left(callsign: string, endpoint: string, reason: 'bye' | 'kicked' | 'banned'): void {
    const human =
      reason === 'bye'
        ? `👋 STATION LEFT: ${callsign} at ${endpoint} (BYE)`
        : `🚫 ${reason === 'kicked' ? 'KICKED' : 'BANNED'}: ${callsign} at ${endpoint}`;
    this.emit('station_left', { callsign, endpoint, reason }, human);
  }

  hijackRefused(callsign: string, endpoint: string, holder: string): void {
    this.emit(
      'hijack_refused',
      { callsign, endpoint, holder },
      `🛡️  HIJACK REFUSED: ${callsign} from ${endpoint} (active at ${holder})`,
      'warn',
    );
  }

  authenticated(callsign: string, endpoint: string, comment: string): void {
    this.emit('auth_ok', { callsign, endpoint, key: comment }, `🔐 AUTHENTICATED: ${callsign} at ${endpoint}${comment ? ` (key ${comment})` : ''}`);
  }

  sessionMoved(callsign: string, endpoint: string, by: 'keepalive' | 'frames' = 'keepalive'): void {
    this.emit('auth_moved', { callsign, endpoint, by }, `🔐 AUTHENTICATED: ${callsign} at ${endpoint} (session moved by ${by === 'keepalive' ? 'a tagged keepalive' : 'tagged frames'})`);
  }

  authFailed(callsign: string, endpoint: string, reason: string): void {
    this.emit('auth_failed', { callsign, endpoint, reason }, `⛔ AUTH FAILED: ${callsign} at ${endpoint} (${reason})`, 'warn');
  }

  authRequired(callsign: string, endpoint: string): void {
    this.emit('auth_required', { callsign, endpoint }, `⛔ DENIED: ${callsign} at ${endpoint} (protected callsign, not authenticated)`, 'warn');
  }

  keysReloaded(callsigns: number, keys: number): void {
    this.emit('keys_reloaded', { callsigns, keys }, `🔁 Authorized keys loaded: ${keys} key${keys === 1 ? '' : 's'} for ${callsigns} callsign${callsigns === 1 ? '' : 's'}`);
  }

  denied(callsign: string, endpoint: string): void {
    this.emit('station_denied', { callsign, endpoint }, `⛔ DENIED: ${callsign} at ${endpoint} (access list)`, 'warn');
  }

  /** Logged once per change of state of a source, not at each retry. */
  held(callsign: string, endpoint: string, reason: 'banned' | 'kicked', until: number | null, nowMs = Date.now()): void {
    const human =
      reason === 'banned'
        ? `⛔ DENIED: ${callsign} at ${endpoint} (banned)`
        : `⛔ DENIED: ${callsign} at ${endpoint} (kicked, kept out for ${Math.max(0, Math.ceil(((until ?? nowMs) - nowMs) / 1000))} s more)`;
    this.emit('station_refused', { callsign, endpoint, reason, until }, human, 'warn');
  }

  unbanned(callsign: string): void {
    this.emit('station_unbanned', { callsign }, `✅ UNBANNED: ${callsign}`);
  }

  announcement(text: string, stations: number): void {
    this.emit('announcement', { text, stations }, `📢 ANNOUNCEMENT to ${stations} station${stations === 1 ? '' : 's'}: ${text}`);
  }

  stationLimit(callsign: string, endpoint: string, max: number): void {
    this.emit('station_limit', { callsign, endpoint, max }, `⚠️  STATION LIMIT (${max}) reached: ${callsign} at ${endpoint} refused`, 'warn');
  }

  aclReloaded(allow: number, deny: number): void {
    this.emit('acl_reloaded', { allow, deny }, `🔁 Access lists reloaded: ${allow} allowed, ${deny} denied`);
  }

  ptt(callsign: string, state: 'start' | 'stop', room: string): void {
    if (!this.verboseOn) return;
    this.emit(`ptt_${state}`, { callsign, room }, state === 'start' ? `🎤 ${callsign}: PTT start (${room})` : `🔇 ${callsign}: PTT stop (${room})`);
  }

  frame(callsign: string, endpoint: string, kind: string, forwardedTo: number): void {
    if (!this.verboseOn) return;
    this.emit('frame', { callsign, endpoint, kind, forwarded_to: forwardedTo }, `📦 ${callsign} (${endpoint}) ${kind} → ${forwardedTo} stations`);
  }

  rejected(endpoint: string, reason: string): void {
    if (!this.verboseOn) return;
    this.emit('rejected', { endpoint, reason }, `🗑️  Dropped datagram from ${endpoint}: ${reason}`);
  }

  info(text: string): void {
    this.emit('info', { message: text }, `ℹ️  ${text}`);
  }

  warn(text: string): void {
    this.emit('warning', { message: text }, `⚠️  ${text}`, 'warn');
  }

  /** One line per alert raised or cleared (never one per occurrence of what it is about). */
  alert(a: { type: 'alert_raised' | 'alert_cleared'; kind: AlertKind; subject: string | null; message: string }): void {
    const raised = a.type === 'alert_raised';
    this.emit(a.type, { kind: a.kind, subject: a.subject, message: a.message }, `${raised ? '🚨 ALERT' : '✅ ALERT CLEARED'} ${a.kind}${a.subject !== null ? ` (${a.subject})` : ''}: ${a.message}`, raised ? 'warn' : 'info');
  }

  statistics(s: ServerStats, final: boolean): void {
    if (this.format === 'json') {
      const { stations, ...totals } = s;
      this.emit(final ? 'final_statistics' : 'statistics', { ...totals, stations: stations.map((x) => x.callsign) }, '');
      return;
    }
    const lines = [
      final ? '📊 FINAL STATISTICS' : '📊 PERIODIC STATISTICS',
      `   ⏱️  Uptime: ${formatDuration(s.uptime_s)}`,
      `   📥 Frames received: ${s.frames_received}`,
      `   📤 Frames forwarded: ${s.frames_forwarded}`,
      `   👥 Active stations: ${s.active_stations}`,
      `   ❌ Decode errors: ${s.decode_errors}`,
      `   🚦 Rate limited: ${s.rate_limited}`,
      `   ⏰ Timed out stations: ${s.timed_out_stations}`,
    ];
    if (s.socket !== null) {
      lines.push(`   🧺 UDP socket: kernel dropped ${s.socket.kernel_rcvbuf_errors} received, ${s.socket.kernel_sndbuf_errors} sent (buffers ${s.socket.rcvbuf_bytes} / ${s.socket.sndbuf_bytes} bytes)`);
    }
    for (const a of s.alerts) lines.push(`   🚨 Alert ${a.kind}${a.subject !== null ? ` (${a.subject})` : ''} for ${formatDuration(a.since_s)}: ${a.message}`);
    if (s.rooms.length > 1 || s.interlink !== null) {
      for (const r of s.rooms) {
        lines.push(`   🚪 Room ${r.name}: ${r.stations} here${s.interlink !== null ? `, ${r.remote_stations} on other servers` : ''}, ${r.frames_received} frames in, ${r.frames_forwarded} out${s.interlink !== null ? `, ${r.frames_from_interlink} from the interlink` : ''}`);
      }
    }
    if (s.interlink !== null) {
      const l = s.interlink;
      lines.push(`   🔗 Interlink ${l.server_id}: ${l.state}; ${l.frames_published} published, ${l.frames_received} received, ${l.frames_not_published} not published while down, ${l.peers.length} peer server${l.peers.length === 1 ? '' : 's'}`);
    }
    if (s.stations.length > 0) {
      lines.push('   📋 Active stations:');
      for (const st of s.stations) {
        lines.push(`      ${st.callsign} at ${st.endpoint} — ${st.frames} frames, last seen ${st.last_seen_s}s ago${st.talking ? ', TALKING' : ''}`);
      }
    }
    this.emit('statistics', {}, lines);
  }

  shutdown(signal: string): void {
    this.emit('stopping', { signal }, `🛑 ${signal} received, shutting down`);
  }
}

export function formatDuration(totalS: number): string {
  const s = Math.floor(totalS);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h ${m}m ${sec}s` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
}
