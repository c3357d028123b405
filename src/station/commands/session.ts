import { statusText } from './status-text.js';
import { CommandError, type Command } from './types.js';

function onOff(a: string | undefined, current: boolean, usage: string): boolean {
  const v = a?.toLowerCase();
  if (v === undefined) return !current;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new CommandError(usage);
}

/** Transmitting and hearing: /ptt, /speak. */
export const AIR_COMMANDS: readonly Command[] = [
  {
    name: '/ptt',
    args: '[on|off]',
    help: 'key or unkey the transmitter (toggles without an argument); --ptt-timeout ends it; with --audio-in FILE it ends with the file',
    run({ core }, args) {
      if (args.length > 1) throw new CommandError('usage: /ptt [on|off]');
      core.pttSet(onOff(args[0], core.view.pttActive, 'usage: /ptt [on|off]'), 'command');
    },
  },
  {
    name: '/speak',
    args: '[on|off]',
    help: 'read incoming chat aloud (espeak-ng); toggles without an argument',
    async run({ core }, args) {
      if (args.length > 1) throw new CommandError('usage: /speak [on|off]');
      await core.setSpeak(onOff(args[0], core.view.speech.state.enabled, 'usage: /speak [on|off]'));
    },
  },
];

/** What is going on: /status, /who. */
export const INFO_COMMANDS: readonly Command[] = [
  {
    name: '/status',
    bare: ['status'],
    args: '',
    help: 'link, PTT, stations heard and the receive counters',
    run({ core, out }) {
      out.block('status', 'Status', statusText(core.view));
    },
  },
  {
    name: '/who',
    args: '',
    help: 'who is on the server (or in your room), with what you heard from each',
    run({ core, out }) {
      out.block('who', 'Who', core.who());
    },
  },
];

/** The session itself: /help, clear, quit. */
export const SESSION_COMMANDS: readonly Command[] = [
  {
    name: '/help',
    bare: ['help'],
    args: '',
    help: 'this list',
    run({ out, help }) {
      out.block('help', 'Commands', help());
    },
  },
  {
    name: '/clear',
    bare: ['clear'],
    args: '',
    help: 'clear the screen (line mode) or the notice line',
    run({ out }) {
      out.clear();
    },
  },
  {
    name: '/quit',
    aliases: ['/exit'],
    bare: ['quit', 'exit'],
    args: '',
    help: 'leave cleanly (BYE to the server); Ctrl+C does the same',
    async run({ out }) {
      await out.quit();
    },
  },
];
