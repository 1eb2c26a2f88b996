// In-memory wake-ups for persisted timers. The timer's truth is the checkpoint (state.pending
// and the instance's wake_at); these handles only make it fire on time while the process lives,
// and are re-armed from the store on start-up.

// setTimeout overflows past 2^31-1 ms (~24.8 days); longer timers re-arm in steps.
const MAX_DELAY = 2_147_483_647;

export class TimerSet {
  private readonly handles = new Map<string, NodeJS.Timeout>();

  constructor(private readonly now: () => number) {}

  arm(key: string, at: number, fire: () => void): void {
    this.cancel(key);
    const delay = Math.max(0, at - this.now());
    const handle = setTimeout(() => {
      this.handles.delete(key);
      if (at - this.now() > 0) this.arm(key, at, fire);
      else fire();
    }, Math.min(delay, MAX_DELAY));
    this.handles.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.handles.get(key);
    if (handle) clearTimeout(handle);
    this.handles.delete(key);
  }

  cancelAll(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }
}
