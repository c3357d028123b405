import type { Station } from './registry.js';

/**
 * One conference of a server: its members, the list of distinct destinations the hot
 * path walks (rebuilt only when membership or an endpoint changes), and its traffic.
 * A frame is only ever sent to the members of the room it came from.
 */
export class Room {
  private readonly members = new Map<string, Station>();
  private destinations: Station[] = [];
  /** Frames received from this server's stations in the room. */
  framesReceived = 0;
  /** Frames sent to this server's stations in the room (local and interlinked talkers). */
  framesForwarded = 0;
  /** Frames of the room that arrived from other servers over NATS. */
  framesFromInterlink = 0;

  constructor(
    readonly name: string,
    /**
     * The UDP port of the room (reference stations choose a room by port); null: by name
     * only. Once the server has started, the port actually bound (0 asks for any).
     */
    public port: number | null,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** One station per return endpoint, so no destination gets a frame twice. */
  get targets(): readonly Station[] {
    return this.destinations;
  }

  all(): IterableIterator<Station> {
    return this.members.values();
  }

  add(st: Station): void {
    this.members.set(st.callsign, st);
    this.rebuild();
  }

  remove(st: Station): void {
    if (this.members.get(st.callsign) === st && this.members.delete(st.callsign)) this.rebuild();
  }

  /** A member's endpoint changed. */
  moved(): void {
    this.rebuild();
  }

  private rebuild(): void {
    const seen = new Set<string>();
    const out: Station[] = [];
    for (const s of this.members.values()) {
      if (seen.has(s.returnTo.key)) continue;
      seen.add(s.returnTo.key);
      out.push(s);
    }
    this.destinations = out;
  }
}
