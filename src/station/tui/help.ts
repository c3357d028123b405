import blessed from 'blessed';

/** `hold`: the terminal reports key release (kitty protocol), so PTT is held, not toggled. */
export function helpText(pttKey: string, pttTimeoutS: number, hold = false): string {
  return [
    '{bold}opv station — keys{/bold}',
    '',
    `  ${pttKey.padEnd(10)} push-to-talk (${hold ? 'hold while speaking' : 'toggle'}; ends by itself after ${pttTimeoutS} s)`,
    '  Enter      send the chat line (held back while transmitting)',
    '  Tab        move between the chat line and the history',
    '  ↑/↓ PgUp   scroll the history (when it has the focus)',
    '  Enter      replay the selected transmission (in the history)',
    '  e          export the selected transmission to a .wav or .ogg file',
    '  F2         read incoming chat aloud on/off (espeak-ng)',
    '  ?          this help        Ctrl+C / Ctrl+Q   leave (sends BYE)',
    '',
    'Chat typed while transmitting is sent when you release PTT.',
    'Press any key to close.',
  ].join('\n');
}

export function showHelp(screen: blessed.Widgets.Screen, text: string, onClose: () => void): void {
  // Sized to the text so nothing wraps or is cut at 80×24; narrower screens wrap it.
  const lines = text.split('\n');
  const width = Math.min(screen.width as number, Math.max(...lines.map((l) => l.replace(/\{[^}]*\}/g, '').length)) + 4);
  const box = blessed.box({ parent: screen, top: 'center', left: 'center', width, height: Math.min(screen.height as number, lines.length + 2), border: 'line', tags: true, content: text, padding: { left: 1 }, style: { border: { fg: 'yellow' } } });
  box.focus();
  screen.render();
  box.once('keypress', () => {
    box.destroy();
    onClose();
    screen.render();
  });
}
