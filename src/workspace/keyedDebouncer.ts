// Runs an action for a key once events for that key have stopped arriving for `delayMs` (a checkpoint
// that training writes in several chunks, or writes then renames, is re-analysed once). Pure (timers).
export class KeyedDebouncer<K> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();

  constructor(private readonly delayMs: number, private readonly action: (key: K) => void) {}

  trigger(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.action(key);
    }, this.delayMs));
  }

  get pending(): number {
    return this.timers.size;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
