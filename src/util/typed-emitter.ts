import { EventEmitter } from 'node:events';

/**
 * EventEmitter whose event names and payloads are checked by the compiler.
 * `Events` maps each event name to its single payload type.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly ee = new EventEmitter();

  constructor() {
    this.ee.setMaxListeners(50);
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.ee.on(event, listener);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.ee.once(event, listener);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.ee.off(event, listener);
    return this;
  }

  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    this.ee.emit(event, payload);
  }

  removeAllListeners(): void {
    this.ee.removeAllListeners();
  }
}
