/**
 * The server's operating flags: UDP buffer size and alert thresholds. Kept apart from
 * cli.ts so the relay's own flags and these change for different reasons.
 */
import type { Command } from 'commander';
import { intInRange } from '../util/cli-parse.js';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from './alerts.js';
import type { OperatorLog } from './log.js';
import { DEFAULT_GUARD_LIMITS, type GuardLimits } from './stats-guard.js';
import { DEFAULT_UDP_BUFFER_BYTES, DEFAULT_UDP_RCVBUF_BYTES, grantShortfall, type BufferGrant } from './socket-stats.js';

export interface OpsFlags {
  udpBuffer: number;
  udpRcvbuf: number;
  statsMaxConnections: number;
  statsPerSource: number;
  alertDecodeErrors: number;
  alertStuckPtt: number;
  alertFlood: number;
  alertAuthFailures: number;
  alertPeerLost: number;
  alertSocketDrops: number;
  alertClear: number;
}

export function addOpsOptions(cmd: Command): Command {
  const a = DEFAULT_ALERT_THRESHOLDS;
  const g = DEFAULT_GUARD_LIMITS;
  return cmd
    .option('--stats-max-connections <n>', 'TCP connections the stats channel holds at once; at the cap the oldest idle one makes room', intInRange('--stats-max-connections', 1, 100_000), g.globalMax)
    .option('--stats-per-source <n>', 'TCP connections one address (IPv6: one /64) may hold on the stats channel', intInRange('--stats-per-source', 1, 100_000), g.perSourceMax)
    .option('--udp-buffer <bytes>', 'send buffer asked for each relay UDP socket (the kernel caps it at net.core.wmem_max)', intInRange('--udp-buffer', 65536, 1 << 30), DEFAULT_UDP_BUFFER_BYTES)
    .option('--udp-rcvbuf <bytes>', "receive buffer asked for each relay UDP socket: small, so that overload is dropped and counted rather than queued as delay (the kernel caps it at net.core.rmem_max)", intInRange('--udp-rcvbuf', 4096, 1 << 30), DEFAULT_UDP_RCVBUF_BYTES)
    .option('--alert-decode-errors <per-s>', 'alert when decode errors reach this many per second (0: off)', intInRange('--alert-decode-errors', 0, 1_000_000), a.decodeErrorsPerS)
    .option('--alert-stuck-ptt <seconds>', 'alert when a station stays keyed this long (0: off)', intInRange('--alert-stuck-ptt', 0, 86400), a.stuckPttS)
    .option('--alert-flood <per-s>', 'alert when one source sends this many frames/s past its rate limit (0: off)', intInRange('--alert-flood', 0, 1_000_000), a.floodPerS)
    .option('--alert-auth-failures <per-min>', 'alert when authentication failures reach this many per minute (0: off)', intInRange('--alert-auth-failures', 0, 1_000_000), a.authFailuresPerMin)
    .option('--alert-peer-lost <seconds>', 'alert when an interlinked server is silent this long (0: off)', intInRange('--alert-peer-lost', 0, 86400), a.peerLostS)
    .option('--alert-socket-drops <datagrams>', "alert when the kernel drops this many datagrams on the relay's sockets within 10 s (0: off)", intInRange('--alert-socket-drops', 0, 1_000_000), a.socketDrops)
    .option('--alert-clear <seconds>', 'an alert clears after its condition has been gone this long', intInRange('--alert-clear', 1, 86400), a.clearAfterS);
}

export function alertThresholds(f: OpsFlags): AlertThresholds {
  return {
    decodeErrorsPerS: f.alertDecodeErrors,
    stuckPttS: f.alertStuckPtt,
    floodPerS: f.alertFlood,
    authFailuresPerMin: f.alertAuthFailures,
    peerLostS: f.alertPeerLost,
    socketDrops: f.alertSocketDrops,
    clearAfterS: f.alertClear,
  };
}

/** The start-up line for the relay's buffers: what the kernel granted, and in words when it is less than asked. */
export function reportBuffers(log: OperatorLog, g: BufferGrant | null): void {
  if (g === null) return;
  const short = grantShortfall(g);
  if (short !== null) log.warn(short);
  else log.info(`UDP buffers granted by the kernel: receive ${g.rcvbufBytes} bytes (asked ${g.askedRcvBytes}), send ${g.sndbufBytes} bytes (asked ${g.askedSndBytes}) per socket`);
}

export function guardLimits(f: OpsFlags): GuardLimits {
  return { ...DEFAULT_GUARD_LIMITS, globalMax: f.statsMaxConnections, perSourceMax: f.statsPerSource };
}
