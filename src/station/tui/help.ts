import blessed from 'blessed';

export function helpText(pttKey: string, pttTimeoutS: number): string {
  return [
    '{bold}opv station — keys{/bold}',
    '',
    `  ${pttKey.padEnd(10)} push-to-talk (toggle; ends by itself after ${pttTimeoutS} s)`,
    '  Enter      send the chat line (held back while transmitting)',
    '  Tab        move between the chat line and the history',
    '  ↑/↓ PgUp   scroll the history (when it has the focus)',
    '  Enter      replay the selected transmission (in the history)',
    '  e          export the selected transmission to a .wav or .ogg file',
    '  ?          this help        Ctrl+C / Ctrl+Q   leave (sends BYE)',
    '',
    'Chat typed while transmitting is sent when you release PTT.',
    'Press any key to close.',
  ].join('\n');
}

export function showHelp(screen: blessed.Widgets.Screen, text: string, onClose: () => void): void {
  const box = blessed.box({ parent: screen, top: 'center', left: 'center', width: 66, height: 15, border: 'line', tags: true, content: text, style: { border: { fg: 'yellow' } } });
  box.focus();
  screen.render();
  box.once('keypress', () => {
    box.destroy();
    onClose();
    screen.render();
  });
}
