import { currentRoomText } from '../room-text.js';
import { CommandError, type Command } from './types.js';

export const ROOM_COMMANDS: readonly Command[] = [
  {
    name: '/room',
    args: '[NAME]',
    help: 'show your room, or move to room NAME (opv servers with rooms; asked when you release PTT if you are transmitting)',
    run({ core, out }, args) {
      if (args.length > 1) throw new CommandError('usage: /room [NAME] (one room name; /rooms lists them)');
      const a = args[0];
      if (a === undefined) {
        out.say(`🚪 ${currentRoomText(core.view.roomInfo())}`, 'info');
        return;
      }
      const text = core.requestRoom(a);
      if (text !== null) out.say(`🚪 ${text}`, 'info');
    },
  },
  {
    name: '/rooms',
    args: '',
    help: "list the server's rooms and how many stations are in each",
    run({ core, out }, args) {
      if (args.length > 0) throw new CommandError('usage: /rooms (no arguments; /room NAME moves)');
      const text = core.requestRooms();
      if (text !== null) out.say(`🚪 ${text}`, 'warn');
    },
  },
];
