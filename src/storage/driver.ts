/**
 * The storage port's bottom half: a small SQL driver with two implementations
 * (PGlite embedded, `pg` for PostgreSQL). Repositories speak only this
 * interface, so every SQL statement runs unchanged on both.
 *
 * Both drivers return int8 values (bigserial, count(*)) as JS numbers.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlExecutor {
  /**
   * One parameterized statement. `urgent` (a webhook storing what it is about
   * to acknowledge) goes ahead of other waiting work where the database runs
   * one statement at a time (PGlite); PostgreSQL runs it on its own connection.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: { urgent?: boolean }): Promise<QueryResult<R>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * What a driver has sent to its database since it opened, for the bench's
 * per-turn figures. A statement is one SQL command (BEGIN and COMMIT count;
 * the PREPARE of a statement text on PGlite, once per process, does not);
 * a round trip is one exchange with the server (PostgreSQL) or one call into
 * the embedded engine (PGlite) that the caller waits for.
 */
export interface DriverStats {
  statements: number;
  roundTrips: number;
  transactions: number;
}

export const emptyStats = (): DriverStats => ({ statements: 0, roundTrips: 0, transactions: 0 });

/** Lets go of a lock; with `check`, answers it (see SqlDriver.tryLock). */
export type LockRelease = (check?: { sql: string; params: unknown[] }) => Promise<boolean | undefined>;

export interface SqlDriver extends SqlExecutor {
  readonly kind: "pglite" | "postgres";
  /** Running counts; cheap enough to be always on. */
  readonly stats: DriverStats;
  /** Runs `fn` in one transaction; a throw rolls it back and is rethrown. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Takes the named lock if nobody holds it, and returns its release; null when
   * it is held (by this or another process). A lock dies with its holder: on
   * PostgreSQL it is a session advisory lock on a connection of its own, so a
   * killed process frees it at once; PGlite has one process by construction.
   * The release can carry a yes/no question for the database (`check`, an SQL boolean expression such as an
   * EXISTS), answered in the same round trip on PostgreSQL, just before the lock is let go.
   */
  tryLock(key: string): Promise<LockRelease | null>;
  close(): Promise<void>;
}
