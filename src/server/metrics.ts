import { Registry as PromRegistry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import type { ServerStats } from '../contract/stats.js';

/**
 * Prometheus exposition. Values are read from the server's own counters at scrape
 * time (collect callbacks), so the hot path never touches prom-client.
 */
/** The stats channel's own figures (its event clients). */
export interface ChannelFigures {
  eventClients: number;
  droppedEventClients: number;
  refusedEventClients: number;
}

export function createMetrics(snapshot: () => ServerStats, channel?: () => ChannelFigures): PromRegistry {
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
  if (channel) {
    new Gauge({
      name: 'opv_stats_event_clients',
      help: 'Live event streams open on the stats channel',
      registers: [registry],
      collect() {
        this.set(channel().eventClients);
      },
    });
    counter('opv_stats_event_clients_dropped_total', 'Event clients dropped for not reading (unsent data over the bound)', () => channel().droppedEventClients);
    counter('opv_stats_event_clients_refused_total', 'Event streams refused (503) at the --max-event-clients cap', () => channel().refusedEventClients);
  }
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
