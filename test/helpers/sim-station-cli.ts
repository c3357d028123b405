/**
 * A SimStation as a process, for tests that place stations on namespace hosts.
 * argv: CALLSIGN SERVER_HOST SERVER_PORT [BIND_PORT]. Reads commands on stdin:
 * `chat <text>`, `talk <frames>`, `control <word>`, `quit`; prints `ready <port>`, and
 * `heard <from> <kind> <text-or-seq>` for every message received.
 */
import { createInterface } from 'node:readline';
import { SimStation } from './sim-station.js';

const [callsign, host, port, bindPort] = process.argv.slice(2);
if (!callsign || !host || !port) {
  process.stderr.write('usage: sim-station-cli CALLSIGN SERVER_HOST SERVER_PORT [BIND_PORT]\n');
  process.exit(2);
}
const st = new SimStation(callsign, { host, port: Number(port) }, { bindPort: bindPort ? Number(bindPort) : 0 });
await st.bound;
let printed = 0;
st.socket.on('message', () => {
  for (; printed < st.heard.length; printed++) {
    const h = st.heard[printed]!;
    const m = h.message;
    const what = m.kind === 'text' || m.kind === 'control' ? m.text : m.kind === 'voice' ? String(m.rtp.sequence) : `${m.payload.length}B`;
    process.stdout.write(`heard ${h.from} ${m.kind} ${what}\n`);
  }
});
process.stdout.write(`ready ${st.port}\n`);
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (cmd === 'chat') st.chat(arg);
  else if (cmd === 'control') st.control(arg);
  else if (cmd === 'talk') await st.talk(Number(arg));
  else if (cmd === 'quit') break;
  process.stdout.write(`done ${cmd ?? ''}\n`);
}
await st.close();
