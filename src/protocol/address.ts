/** IPv4 addresses as they sit inside OPV messages: four bytes, shown dotted. */
export type IPv4Bytes = readonly [number, number, number, number];

export function parseIPv4Address(text: string): IPv4Bytes | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return [out[0]!, out[1]!, out[2]!, out[3]!];
}

export function formatIPv4Address(b: ArrayLike<number>, offset = 0): string {
  return `${b[offset]!}.${b[offset + 1]!}.${b[offset + 2]!}.${b[offset + 3]!}`;
}
