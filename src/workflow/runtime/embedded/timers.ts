// In-memory wake-ups for persisted timers. The timer's truth is the checkpoint (state.pending
// and the instance's wake_at); this queue only makes it fire on time while the process lives,
// and is re-armed from the store on start-up.
//
// The runtime keeps one entry per instance with a pending timer (its earliest), and every
// waiting lease has one, so an entry is kept small: a binary min-heap of (due time, key) over a
// Float64Array and an array of key strings, one Map from key to due time for cancelling, and a
// single Node timeout for the earliest entry. A cancelled or re-armed key leaves its old heap
// entry behind; it is skipped when it surfaces (its due time no longer matches the Map), and the
// heap is rebuilt when such entries outnumber the live ones.

// setTimeout overflows past 2^31-1 ms (~24.8 days); a later head re-arms in steps.
const MAX_DELAY = 2_147_483_647;
const INITIAL_CAPACITY = 64;

export class TimerQueue {
  private due = new Float64Array(INITIAL_CAPACITY);
  private keys: string[] = [];
  private size = 0;
  /** Live timers: key → due time. */
  private readonly armed = new Map<string, number>();
  private timeout: NodeJS.Timeout | undefined;
  /** Due time the timeout was set for (Infinity when none is set). */
  private scheduledFor = Infinity;

  /**
   * @param now the clock the due times are on
   * @param fire called with the key of each timer that came due (once; it is then disarmed)
   */
  constructor(
    private readonly now: () => number,
    private readonly fire: (key: string) => void,
  ) {}

  /** Timers armed and not yet fired or cancelled. */
  get count(): number {
    return this.armed.size;
  }

  /** Arms (or re-arms) the timer `key` to fire at `at` (epoch ms; a past time fires at once). */
  arm(key: string, at: number): void {
    if (this.armed.get(key) === at) return;
    this.armed.set(key, at);
    this.push(at, key);
    if (at < this.scheduledFor) this.schedule();
  }

  cancel(key: string): void {
    if (!this.armed.delete(key)) return;
    if (this.size > INITIAL_CAPACITY && this.size > 2 * this.armed.size) this.rebuild();
  }

  cancelAll(): void {
    this.armed.clear();
    this.size = 0;
    this.keys = [];
    this.due = new Float64Array(INITIAL_CAPACITY);
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.scheduledFor = Infinity;
  }

  /** Sets the Node timeout for the earliest live entry (dropping stale entries on top). */
  private schedule(): void {
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.scheduledFor = Infinity;
    this.dropStaleHead();
    if (this.size === 0) return;
    const at = this.due[0]!;
    this.scheduledFor = at;
    this.timeout = setTimeout(() => this.onTimeout(), Math.min(Math.max(0, at - this.now()), MAX_DELAY));
  }

  private onTimeout(): void {
    this.timeout = undefined;
    this.scheduledFor = Infinity;
    const now = this.now();
    for (;;) {
      this.dropStaleHead();
      if (this.size === 0 || this.due[0]! > now) break;
      const key = this.pop();
      this.armed.delete(key);
      this.fire(key);
    }
    if (this.timeout === undefined) this.schedule();
  }

  private dropStaleHead(): void {
    while (this.size > 0 && this.armed.get(this.keys[0]!) !== this.due[0]) this.pop();
  }

  private push(at: number, key: string): void {
    if (this.size === this.due.length) {
      const grown = new Float64Array(this.due.length * 2);
      grown.set(this.due);
      this.due = grown;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent]! <= at) break;
      this.due[i] = this.due[parent]!;
      this.keys[i] = this.keys[parent]!;
      i = parent;
    }
    this.due[i] = at;
    this.keys[i] = key;
  }

  private pop(): string {
    const top = this.keys[0]!;
    const last = --this.size;
    const at = this.due[last]!;
    const key = this.keys[last]!;
    this.keys.length = last;
    if (last > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= last) break;
        if (child + 1 < last && this.due[child + 1]! < this.due[child]!) child++;
        if (this.due[child]! >= at) break;
        this.due[i] = this.due[child]!;
        this.keys[i] = this.keys[child]!;
        i = child;
      }
      this.due[i] = at;
      this.keys[i] = key;
    }
    return top;
  }

  /** Rebuilds the heap from the live timers only (drops the entries cancels left behind). */
  private rebuild(): void {
    const live = [...this.armed];
    this.size = 0;
    this.keys = [];
    this.due = new Float64Array(Math.max(INITIAL_CAPACITY, live.length * 2));
    for (const [key, at] of live) this.push(at, key);
    this.schedule();
  }
}
