// How the PostgreSQL repositories talk to the database: one `query(text, values)` over a pool
// (autocommit) or over the client of an open transaction. Statements are named, so each
// connection parses and plans a statement once and then only binds it.
import type pg from 'pg';

export interface Sql {
  query<R>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

/** pg's clients and pools, as the executor needs them. */
export type Queryable = Pick<pg.ClientBase, 'query'> | Pick<pg.Pool, 'query'>;

const names = new Map<string, string>();

/** A statement's name: the same text always gets the same name, in every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `lease_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

export function sqlOver(target: Queryable): Sql {
  return {
    async query<R>(text: string, values: readonly unknown[] = []) {
      const result = await (target as pg.Pool).query({ name: nameOf(text), text, values: values as unknown[] });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}
