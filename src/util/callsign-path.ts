/**
 * A callsign as a file or directory name. Callsigns from the wire may be "..", "-" or
 * contain "/": those never become path components as they are.
 */
export function callsignForPath(callsign: string): string {
  const s = callsign.replace(/[/\\]/g, '_');
  return /[A-Za-z0-9]/.test(s) ? s : `station${s.replace(/\./g, '_')}`;
}
