/** The Opulent Voice wire format: pure functions and small state machines, no I/O. */
export * from './constants.js';
export * from './callsign.js';
export * from './header.js';
export * from './cobs.js';
export * from './address.js';
export * from './checksum.js';
export * from './ipv4.js';
export * from './udp.js';
export * from './rtp.js';
export * from './control.js';
export * from './message.js';
export * from './frames.js';
export * from './decode.js';
export * from './reassembly.js';
