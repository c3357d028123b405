import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { checkSocketPath } from './socket-path.js';

/**
 * The local control socket of a running station (a service nobody sits at): an operator
 * who logs in over SSH attaches (`opv station --attach`), sees what the station printed
 * lately, and types commands and chat as in line mode while the station keeps running.
 * Local only (a Unix socket, mode 0600 in a 0700 directory), and bounded: a few
 * clients, lines of at most MAX_LINE_BYTES, a client that cannot keep up is dropped
 * rather than buffered without end.
 */

/** Runs one typed line; its output reaches the clients through `broadcast`. */
export type LineHandler = (line: string) => void;

export interface ControlSocketOptions {
  maxClients: number;
  maxLineBytes: number;
  /** Lines of output kept to show a client that attaches. */
  recentLines: number;
  /** Output queued to one client beyond this and it is dropped. */
  maxQueuedBytes: number;
}

export const CONTROL_SOCKET_DEFAULTS: ControlSocketOptions = { maxClients: 4, maxLineBytes: 4096, recentLines: 200, maxQueuedBytes: 1 << 20 };

/** Typed in an attached session, these leave the session, not the station. */
const DETACH = /^\/?(quit|exit|detach)$/i;

interface Recent {
  at: number;
  text: string;
}

export class ControlSocket {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private readonly recent: Recent[] = [];
  private readonly opts: ControlSocketOptions;

  constructor(
    readonly file: string,
    /** Shown when a client attaches: who this station is. */
    private readonly banner: () => string,
    private readonly onLine: LineHandler,
    opts: Partial<ControlSocketOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...CONTROL_SOCKET_DEFAULTS, ...opts };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Listens; a socket left by a station that died is replaced, one another running
   * station answers on is not (its operator attaches there). Rejects in words.
   */
  async listen(): Promise<void> {
    checkSocketPath(this.file);
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    try {
      await this.bind();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new Error(`control socket ${this.file}: ${(e as Error).message}`);
      if (await answers(this.file)) throw new Error(`control socket ${this.file} belongs to another running station with this callsign: --attach reaches that one`);
      rmSync(this.file, { force: true });
      await this.bind();
    }
    chmodSync(this.file, 0o600);
  }

  private bind(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((s) => this.accept(s));
      server.once('error', reject);
      // The socket file is created by listen(): no moment with looser permissions.
      const mask = process.umask(0o177);
      try {
        server.listen(this.file, () => {
          server.off('error', reject);
          server.on('error', () => undefined);
          this.server = server;
          resolve();
        });
      } finally {
        process.umask(mask);
      }
    });
  }

  private accept(s: Socket): void {
    if (this.clients.size >= this.opts.maxClients) {
      s.end(`❌ too many attached sessions (${this.opts.maxClients}): detach one and try again\n`);
      return;
    }
    this.clients.add(s);
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    s.on('close', () => this.clients.delete(s));
    const recent = this.recent.map((r) => `${clock(r.at)} ${r.text}`);
    this.write(s, [this.banner(), ...(recent.length ? ['— recent output —', ...recent, '— live —'] : [])].join('\n') + '\n');
    let buf = '';
    let discarding = false;
    s.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) break;
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (discarding) discarding = false;
        else this.take(s, line);
      }
      if (Buffer.byteLength(buf) > this.opts.maxLineBytes) {
        if (!discarding) this.write(s, `❌ line too long (at most ${this.opts.maxLineBytes} bytes): not sent\n`);
        discarding = true;
        buf = '';
      }
    });
  }

  private take(s: Socket, line: string): void {
    if (Buffer.byteLength(line) > this.opts.maxLineBytes) {
      this.write(s, `❌ line too long (at most ${this.opts.maxLineBytes} bytes): not sent\n`);
      return;
    }
    if (DETACH.test(line.trim())) {
      s.end('👋 detached: the station keeps running\n');
      return;
    }
    this.onLine(line);
  }

  private write(s: Socket, text: string): void {
    if (s.destroyed || s.writableEnded) return;
    if (s.writableLength > this.opts.maxQueuedBytes) {
      s.destroy();
      return;
    }
    s.write(text);
  }

  /** One piece of the station's output, to every client and the recent lines. */
  broadcast(text: string): void {
    const at = this.now();
    for (const l of text.replace(/\n$/, '').split('\n')) {
      this.recent.push({ at, text: l });
    }
    if (this.recent.length > this.opts.recentLines) this.recent.splice(0, this.recent.length - this.opts.recentLines);
    for (const c of this.clients) this.write(c, text.endsWith('\n') ? text : `${text}\n`);
  }

  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      server.close();
      rmSync(this.file, { force: true });
    }
  }
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** Does a live process listen on this socket? (A dead station's file refuses.) */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(file);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

