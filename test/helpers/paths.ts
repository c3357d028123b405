import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs as dist/test/helpers/paths.js). */
export const repoRoot = path.resolve(here, '..', '..', '..');
/** The `opv` executable. */
export const opvBin = path.join(repoRoot, 'bin', 'opv');
/** Compiled output. */
export const distDir = path.join(repoRoot, 'dist');
/**
 * Read-only test material kept inside the repository (see test/fixtures/README.md), so a
 * clone on its own runs every test and benchmark. Nothing may read outside repoRoot.
 */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const referenceFramesJson = path.join(fixturesDir, 'reference-frames.json');
export const speechWav = path.join(fixturesDir, 'speech-48k-mono.wav');

/**
 * A UDP port that was free a moment ago on every address (dual-stack bind on ::, or
 * 127.0.0.1 where IPv6 is off). The kernel picks it from the ephemeral range, so
 * concurrent test processes do not get the same one.
 */
export async function freeUdpPort(): Promise<number> {
  try {
    return await udpPort('udp6', '::');
  } catch {
    return udpPort('udp4', '127.0.0.1');
  }
}

/** A TCP port that was free a moment ago (same rules as freeUdpPort). */
export async function freeTcpPort(): Promise<number> {
  try {
    return await tcpPort('::');
  } catch {
    return tcpPort('127.0.0.1');
  }
}

function udpPort(type: 'udp4' | 'udp6', host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s: Socket = createSocket({ type, ipv6Only: false });
    s.once('error', (e) => {
      try {
        s.close();
      } catch {
        // Never bound.
      }
      reject(e);
    });
    s.bind(0, host, () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function tcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv: Server = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, ipv6Only: false }, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr === null || typeof addr === 'string') reject(new Error('no TCP port'));
        else resolve(addr.port);
      });
    });
  });
}
