// One writer at a time: the vault's put/remove read the whole store, change it and write it back,
// so two at once (logins to two servers finishing together, a CLI PUT meanwhile) would lose one.
// Reads need no queue: a write replaces the file atomically.
import type { SessionStore } from './session.js';

export function queueWrites(store: SessionStore): SessionStore {
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(write: () => Promise<T>): Promise<T> => {
    const done = tail.then(write, write);
    tail = done.catch(() => undefined);
    return done;
  };
  return {
    get: (server) => store.get(server),
    list: () => store.list(),
    put: (session) => queued(() => store.put(session)),
    remove: (server) => queued(() => store.remove(server)),
  };
}
