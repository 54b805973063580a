/**
 * A small bounded map that forgets the least recently used entry first: for
 * caches keyed by client input (query texts), where an unbounded map would let
 * a client grow the process without limit.
 *
 * The bound counts entries, or, given `weigh`, the sum of their weights (say,
 * bytes): then one entry heavier than the whole capacity is not kept at all.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {
    if (capacity < 1) throw new Error('an LRU needs a capacity of at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The sum of the entries' weights (their count without `weigh`). */
  get weight(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry most recent.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  delete(key: K): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.total -= this.weigh(value);
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.capacity) return;
    this.entries.set(key, value);
    this.total += weight;
    while (this.total > this.capacity) {
      this.delete(this.entries.keys().next().value as K);
    }
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
