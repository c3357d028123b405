import blessed from 'blessed';
import type { RoomCount } from '../commands/index.js';
import { inertTagged } from '../../util/inert-text.js';
import { closeOverlay } from './overlay.js';

export interface RoomList {
  /** A fresh list from the server (the list asks for one when it opens). */
  update(rooms: readonly RoomCount[] | null, current: string | null): void;
  close(): void;
}

const item = (r: RoomCount, current: string | null): string =>
  `${r.room === current ? '▶' : ' '} ${inertTagged(r.room).padEnd(16)} ${String(r.stations).padStart(4)} station${r.stations === 1 ? '' : 's'}`;

/**
 * The rooms of the server to choose from: ↑/↓ and Enter move there, Esc (or q) closes.
 * The list is the server's last OPV:ROOMS (names checked by the codec); it follows
 * a newer one while open. `onChoose` runs after the box is gone.
 */
export function showRoomList(
  screen: blessed.Widgets.Screen,
  opts: { rooms: readonly RoomCount[] | null; current: string | null; onChoose: (room: string) => void; onClose: () => void },
): RoomList {
  let rooms: RoomCount[] = [...(opts.rooms ?? [])];
  let current = opts.current;
  const width = Math.min(screen.width as number, 40);
  const height = Math.min(screen.height as number, Math.max(rooms.length, 3) + 4);
  const box = blessed.list({
    parent: screen,
    label: ' Rooms — ↑↓ Enter move, Esc closes ',
    top: 'center',
    left: 'center',
    width: Math.max(width, 38),
    height,
    border: 'line',
    tags: true,
    keys: true,
    vi: false,
    mouse: false,
    style: { border: { fg: 'yellow' }, selected: { inverse: true } },
    items: [],
  });
  let closed = false;
  const fill = (): void => {
    const asked = rooms.length === 0;
    box.setItems(asked ? ['  (asking the server for its rooms…)'] : rooms.map((r) => item(r, current)));
    const at = rooms.findIndex((r) => r.room === current);
    box.select(Math.max(0, at));
    const h = Math.min(screen.height as number, Math.max(rooms.length, 3) + 2);
    box.height = h;
  };
  fill();
  const close = (then: () => void): void => {
    if (closed) return;
    closed = true;
    closeOverlay(screen, box, then);
  };
  box.on('keypress', (_ch: unknown, key: { name?: string; full?: string }) => {
    const name = key.full ?? key.name ?? '';
    if (name === 'escape' || name === 'q') close(opts.onClose);
    else if (name === 'enter') {
      const sel = (box as unknown as { selected: number }).selected;
      const r = rooms[sel];
      if (r === undefined) return;
      close(() => {
        opts.onClose();
        opts.onChoose(r.room);
      });
    }
  });
  box.focus();
  screen.render();
  return {
    update: (list, cur) => {
      if (closed) return;
      rooms = [...(list ?? [])];
      current = cur;
      fill();
      screen.render();
    },
    close: () => close(opts.onClose),
  };
}
