import blessed from 'blessed';
import { escape } from './format.js';

/** How long a notice stays, by how much it matters. */
const TTL_MS = { info: 10_000, ok: 10_000, warn: 30_000, error: 60_000 } as const;
export type NoticeKind = keyof typeof TTL_MS;
const COLOUR: Record<NoticeKind, string> = { info: 'cyan', ok: 'green', warn: 'yellow', error: 'red' };

/**
 * The notice line. A notice expires after a while (an export notice is not news a
 * minute later), and one that is about a station (`W1ABC left`) is cleared as soon as
 * that station is heard again: a notice is never shown after it stopped being true.
 */
export class NoticeLine {
  private timer: NodeJS.Timeout | null = null;
  private about: string | null = null;

  constructor(
    private readonly box: blessed.Widgets.BoxElement,
    private readonly render: () => void,
  ) {}

  /** `text` is shown inert; `about` names the station the notice is about, if any. */
  show(text: string, kind: NoticeKind = 'info', about: string | null = null): void {
    this.box.setContent(`{${COLOUR[kind]}-fg}${escape(text)}{/${COLOUR[kind]}-fg}`);
    this.about = about;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), TTL_MS[kind]);
    this.timer.unref();
    this.render();
  }

  /** A station was heard: a notice about it (it left) is no longer true. */
  heard(callsign: string): void {
    if (this.about === callsign) this.clear();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.about = null;
    this.box.setContent('');
    this.render();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
