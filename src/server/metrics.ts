import { Registry as PromRegistry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import type { InterlinkStats, RoomStats, ServerStats } from '../contract/stats.js';

/**
 * Prometheus exposition. Values are read from the server's own counters at scrape
 * time (collect callbacks), so the hot path never touches prom-client.
 */
export function createMetrics(snapshot: () => ServerStats): PromRegistry {
  const registry = new PromRegistry();
  collectDefaultMetrics({ register: registry, prefix: 'opv_process_' });
  let last: ServerStats | null = null;
  const current = (): ServerStats => (last ??= snapshot());
  const counter = (name: string, help: string, pick: (s: ServerStats) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(current()));
      },
    });
  };
  counter('opv_frames_received_total', 'Datagrams received on the relay port', (s) => s.frames_received);
  counter('opv_frames_forwarded_total', 'Frames sent to stations', (s) => s.frames_forwarded);
  counter('opv_decode_errors_total', 'Datagrams or messages dropped as malformed', (s) => s.decode_errors);
  counter('opv_rate_limited_total', 'Frames dropped by the per-source rate limit', (s) => s.rate_limited);
  counter('opv_timed_out_stations_total', 'Stations dropped for inactivity', (s) => s.timed_out_stations);
  counter('opv_hijacks_refused_total', 'Callsign takeovers refused', (s) => s.hijacks_refused);
  counter('opv_auth_failures_total', 'Failed station authentications', (s) => s.auth_failures);
  counter('opv_auth_tag_failures_total', 'Frames dropped for a failed per-frame tag', (s) => s.auth_tag_failures);
  const kinds = new Counter({
    name: 'opv_frames_by_kind_total',
    help: 'Frames from registered stations by message kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const s = current();
      this.reset();
      this.inc({ kind: 'voice' }, s.voice_frames);
      this.inc({ kind: 'text' }, s.text_frames);
      this.inc({ kind: 'control' }, s.control_frames);
      this.inc({ kind: 'data' }, s.data_frames);
    },
  });
  void kinds;
  new Gauge({
    name: 'opv_active_stations',
    help: 'Registered stations',
    registers: [registry],
    collect() {
      this.set(current().active_stations);
    },
  });
  new Gauge({
    name: 'opv_talking_stations',
    help: 'Stations transmitting voice now',
    registers: [registry],
    collect() {
      this.set(current().stations.filter((s) => s.talking).length);
    },
  });
  // One series per label value, read from the snapshot at each scrape.
  const labelled = (kind: 'gauge' | 'counter', name: string, help: string, label: string, samples: () => [string, number][]): void => {
    const opts = { name, help, labelNames: [label], registers: [registry] };
    if (kind === 'gauge') {
      new Gauge({
        ...opts,
        collect() {
          this.reset();
          for (const [value, n] of samples()) this.set({ [label]: value }, n);
        },
      });
    } else {
      new Counter({
        ...opts,
        collect() {
          this.reset();
          for (const [value, n] of samples()) this.inc({ [label]: value }, n);
        },
      });
    }
  };
  // Per room. The `room` label takes only names the sysop configured (--room, at most
  // 24 rooms plus MAIN), never a name a station sent, so the series stay few.
  const perRoom = (kind: 'gauge' | 'counter', name: string, help: string, pick: (r: RoomStats) => number): void =>
    labelled(kind, name, help, 'room', () => current().rooms.map((r) => [r.name, pick(r)]));
  perRoom('gauge', 'opv_room_stations', 'Stations of this server in the room', (r) => r.stations);
  perRoom('gauge', 'opv_room_remote_stations', 'Stations in the room on other interlinked servers', (r) => r.remote_stations);
  perRoom('gauge', 'opv_room_talking_stations', 'Stations talking in the room now (here and remote)', (r) => r.talking.length);
  perRoom('counter', 'opv_room_frames_received_total', "Frames received from this server's stations in the room", (r) => r.frames_received);
  perRoom('counter', 'opv_room_frames_forwarded_total', "Frames sent to this server's stations in the room", (r) => r.frames_forwarded);
  perRoom('counter', 'opv_room_frames_from_interlink_total', 'Frames of the room received from other servers over NATS', (r) => r.frames_from_interlink);

  // The NATS interlink, labelled with this server's --server-id (one value): a labelled
  // metric with no sample is left out, so a server running alone has none of these.
  const link = (name: string, help: string, pick: (l: InterlinkStats) => number, kind: 'gauge' | 'counter'): void =>
    labelled(kind, name, help, 'server_id', () => {
      const l = current().interlink;
      return l ? [[l.server_id, pick(l)]] : [];
    });
  link('opv_interlink_connected', 'Connected to NATS (1) or not (0)', (l) => (l.connected ? 1 : 0), 'gauge');
  link('opv_interlink_peers', 'Other servers heard from over NATS', (l) => l.peers.length, 'gauge');
  link('opv_interlink_subscribed_rooms', 'Rooms subscribed on NATS (those with a local station)', (l) => l.subscribed_rooms.length, 'gauge');
  link('opv_interlink_frames_published_total', 'Frames published to NATS', (l) => l.frames_published, 'counter');
  link('opv_interlink_frames_received_total', 'Frames received from NATS', (l) => l.frames_received, 'counter');
  link('opv_interlink_frames_not_published_total', 'Frames not published because the link was down', (l) => l.frames_not_published, 'counter');
  link('opv_interlink_frames_rejected_total', 'Frames from NATS dropped (not a frame, unknown room, own server, or claiming the server or a local callsign)', (l) => l.frames_rejected, 'counter');
  link('opv_interlink_reconnects_total', 'Reconnections to NATS', (l) => l.reconnects, 'counter');
  link('opv_interlink_rejected_signature_total', 'Messages from NATS refused for a bad or missing signature', (l) => l.rejected_signature, 'counter');
  link('opv_interlink_rejected_replay_total', 'Messages from NATS refused as replays (an old sequence or a stale time)', (l) => l.rejected_replay, 'counter');
  link('opv_interlink_rejected_unknown_peer_total', 'Messages from NATS refused: the sender is not in the peers file', (l) => l.rejected_unknown_peer, 'counter');
  link('opv_interlink_duplicates_dropped_total', 'Frames and messages from NATS that arrived twice and were delivered once', (l) => l.duplicates_dropped, 'counter');
  link('opv_interlink_presence_rejected_total', 'Presence messages refused by the per-peer caps', (l) => l.presence_rejected, 'counter');

  // The relay's sockets as the kernel sees them (absent where /proc cannot tell).
  const sock = (kind: 'gauge' | 'counter', name: string, help: string, pick: (x: NonNullable<ServerStats['socket']>) => number): void => {
    const opts = { name, help, registers: [registry] };
    const value = (): number | null => {
      const x = current().socket;
      return x === null ? null : pick(x);
    };
    if (kind === 'gauge') {
      new Gauge({
        ...opts,
        collect() {
          const v = value();
          if (v !== null) this.set(v);
        },
      });
    } else {
      new Counter({
        ...opts,
        collect() {
          const v = value();
          this.reset();
          if (v !== null) this.inc(v);
        },
      });
    }
  };
  sock('gauge', 'opv_socket_rcvbuf_bytes', "Receive buffer the kernel granted each relay UDP socket", (x) => x.rcvbuf_bytes);
  sock('gauge', 'opv_socket_sndbuf_bytes', "Send buffer the kernel granted each relay UDP socket", (x) => x.sndbuf_bytes);
  sock('counter', 'opv_socket_kernel_rcvbuf_errors_total', "Datagrams the kernel dropped because the relay's receive buffers were full", (x) => x.kernel_rcvbuf_errors);
  sock('counter', 'opv_socket_kernel_sndbuf_errors_total', 'UDP send-buffer errors counted by the kernel (network namespace) since the server started', (x) => x.kernel_sndbuf_errors);

  // Alerts: one series per active alert, value 1. Kinds are the server's fixed list;
  // subjects are bounded per kind by the alert board (past the cap they fold into one).
  new Gauge({
    name: 'opv_alert_active',
    help: 'Alerts active now (1), by kind and subject (empty: the server as a whole)',
    labelNames: ['kind', 'subject'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of current().alerts) this.set({ kind: a.kind, subject: a.subject ?? '' }, 1);
    },
  });

  // The stats channel's own connections (filled by the stats channel).
  const chan = (kind: 'gauge' | 'counter', name: string, help: string, pick: (c: NonNullable<ServerStats['stats_channel']>) => number): void => {
    const opts = { name, help, registers: [registry] };
    if (kind === 'gauge') {
      new Gauge({
        ...opts,
        collect() {
          const c = current().stats_channel;
          if (c !== null) this.set(pick(c));
        },
      });
    } else {
      new Counter({
        ...opts,
        collect() {
          const c = current().stats_channel;
          this.reset();
          if (c !== null) this.inc(pick(c));
        },
      });
    }
  };
  chan('gauge', 'opv_stats_event_clients', 'Live event streams open on the stats channel', (c) => c.event_clients);
  chan('counter', 'opv_stats_event_clients_dropped_total', 'Event clients dropped for not reading (unsent data over the bound, or not draining)', (c) => c.event_clients_dropped);
  chan('counter', 'opv_stats_event_clients_refused_total', 'Event streams refused (503) at the --max-event-clients cap', (c) => c.event_clients_refused);
  chan('gauge', 'opv_stats_connections', 'TCP connections open on the stats channel', (c) => c.connections);
  chan('gauge', 'opv_stats_connection_cap', 'Most TCP connections the stats channel holds at once', (c) => c.connection_cap);
  chan('gauge', 'opv_stats_per_source_cap', 'Most TCP connections from one address (IPv6: one /64)', (c) => c.per_source_cap);
  chan('counter', 'opv_stats_connections_refused_total', 'Stats channel connections closed at once (source over its cap, or every held connection busy)', (c) => c.connections_refused);
  chan('counter', 'opv_stats_connections_evicted_total', 'Stats channel connections closed to make room (the oldest with no request in progress)', (c) => c.connections_evicted);
  chan('counter', 'opv_stats_connections_idle_closed_total', 'Stats channel connections closed for sending nothing', (c) => c.connections_idle_closed);
  // One snapshot per scrape, taken lazily by the first collector and dropped after.
  const origMetrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    last = null;
    try {
      return await origMetrics();
    } finally {
      last = null;
    }
  };
  return registry;
}
