/**
 * Callsigns as operators say them on the air: the ITU/ICAO phonetic alphabet, with
 * the ITU radiotelephony figures (Tree, Fower, Fife, Niner keep 3, 4, 5 and 9 apart
 * through noise). The spelling is what espeak-ng pronounces correctly in English
 * ("Alpha", "Juliet"), not ITU's "Alfa"/"Juliett", which exist for the same reason
 * in other languages.
 */

const LETTERS: Record<string, string> = {
  A: 'Alpha', B: 'Bravo', C: 'Charlie', D: 'Delta', E: 'Echo', F: 'Foxtrot', G: 'Golf',
  H: 'Hotel', I: 'India', J: 'Juliet', K: 'Kilo', L: 'Lima', M: 'Mike', N: 'November',
  O: 'Oscar', P: 'Papa', Q: 'Quebec', R: 'Romeo', S: 'Sierra', T: 'Tango', U: 'Uniform',
  V: 'Victor', W: 'Whiskey', X: 'X-ray', Y: 'Yankee', Z: 'Zulu',
};

const FIGURES: Record<string, string> = {
  '0': 'Zero', '1': 'One', '2': 'Two', '3': 'Tree', '4': 'Fower',
  '5': 'Fife', '6': 'Six', '7': 'Seven', '8': 'Eight', '9': 'Niner',
};

/** Separators a callsign may contain: portable "/P", SSID "-7", and the rare dot. */
const SIGNS: Record<string, string> = { '/': 'stroke', '-': 'dash', '.': 'stop' };

/** "W1ABC/P" → "Whiskey One Alpha Bravo Charlie stroke Papa". Unknown characters are left out. */
export function phoneticCallsign(callsign: string): string {
  const words: string[] = [];
  for (const ch of callsign.toUpperCase()) {
    const w = LETTERS[ch] ?? FIGURES[ch] ?? SIGNS[ch];
    if (w !== undefined) words.push(w);
  }
  return words.join(' ');
}
