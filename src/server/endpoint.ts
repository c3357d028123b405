/** Where a station's datagrams come from and where the relay sends to. */
export interface Endpoint {
  address: string;
  port: number;
  /** "ip:port" (IPv6 "[addr]:port"); IPv4-mapped IPv6 shown as plain IPv4. */
  key: string;
  /** Which of the server's UDP sockets it arrived on (0: the main port; then one per room port); replies go out of the same one. */
  via: number;
}

export function displayAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function makeEndpoint(address: string, port: number, via = 0): Endpoint {
  const shown = displayAddress(address);
  return { address, port, key: shown.includes(':') ? `[${shown}]:${port}` : `${shown}:${port}`, via };
}

/** Where frames for a source go: the source itself, or (reference mode) its IP at the fixed return port. */
export function returnEndpoint(from: Endpoint, referenceReturnPort: number | null): Endpoint {
  return referenceReturnPort === null ? from : makeEndpoint(from.address, referenceReturnPort, from.via);
}
