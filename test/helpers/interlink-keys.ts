/**
 * Server keys for tests that run `opv server --nats`: one test network per test process,
 * a private key file per server id and one peers file listing every id made so far. A
 * server started before another id existed learns it when the file is rewritten (the
 * server watches its peers file), as a sysop's edit would reach it.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { authorizedKeyLine } from '../../src/auth/crypto.js';

/** Ids the tests use, made up front so most servers start knowing all their peers. */
const USUAL_IDS = ['hub-a', 'hub-b', 'hub-c', 'alpha', 'bravo', 'charlie', 'srv-a', 'srv-b', 'srv-c', 'tls-a', 'tls-b', 'net-a', 'net-b'];

export class TestKeyring {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'opv-interlink-keys-'));
  readonly peersFile = path.join(this.dir, 'peers');
  private readonly keys = new Map<string, KeyObject>();

  constructor(ids: readonly string[] = USUAL_IDS) {
    for (const id of ids) this.make(id, false);
    this.writePeers();
  }

  keyFile(id: string): string {
    return path.join(this.dir, `${id}.pem`);
  }

  privateKey(id: string): KeyObject {
    if (!this.keys.has(id)) {
      this.make(id, false);
      this.writePeers();
    }
    return this.keys.get(id)!;
  }

  /** `--server-key FILE --peers FILE` for server `id`. */
  args(id: string): string[] {
    this.privateKey(id);
    return ['--server-key', this.keyFile(id), '--peers', this.peersFile];
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private make(id: string, write: boolean): void {
    const { privateKey } = generateKeyPairSync('ed25519');
    this.keys.set(id, privateKey);
    writeFileSync(this.keyFile(id), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    // The directory is read by servers in other namespaces running as the same user.
    chmodSync(this.dir, 0o755);
    if (write) this.writePeers();
  }

  /** Replaced whole (write + rename), as an editor would. */
  private writePeers(): void {
    const lines = [...this.keys].map(([id, k]) => authorizedKeyLine(id, k, 'test'));
    const tmp = `${this.peersFile}.tmp`;
    writeFileSync(tmp, lines.join('\n') + '\n');
    renameSync(tmp, this.peersFile);
  }
}

let shared: TestKeyring | null = null;

/** The test process's keyring (removed at exit). */
export function testKeyring(): TestKeyring {
  if (shared === null) {
    const k = new TestKeyring();
    shared = k;
    process.once('exit', () => k.cleanup());
  }
  return shared;
}

/**
 * `extra` for `opv server` with the key flags added when it interlinks (`--nats`) and
 * sets neither keys nor `--interlink-trust` itself.
 */
export function withServerKeys(args: readonly string[]): string[] {
  if (!args.includes('--nats') || args.includes('--server-key') || args.includes('--interlink-trust')) return [...args];
  const i = args.indexOf('--server-id');
  const id = i >= 0 ? args[i + 1] : undefined;
  if (id === undefined) return [...args];
  return [...args, ...testKeyring().args(id)];
}
