/**
 * Schema migrations for a Durable Object's SQLite storage (docs/storage.md, "Schema
 * migrations"). Each object runs `migrate()` in its constructor inside
 * `blockConcurrencyWhile`. `_schema` keeps how many steps ran and the name of the last one, so
 * each step runs once, existing rows are carried forward, and an object whose history differs
 * from the code's is refused instead of being skipped silently.
 */

/** The object classes with SQLite storage; each has one schema (`objects/<object>/schema.ts`). */
export type SchemaObject = "journey" | "customer" | "identity" | "workspace" | "webhooks";

/** One released change: its statements run together, in one transaction. */
export interface Step {
  /** Unique within its schema; stored in `_schema.step` once it ran. Never renamed. */
  readonly name: string;
  readonly sql: readonly string[];
}

/**
 * A class's steps, in order. Append new steps; never edit, remove or reorder a released one
 * (`objects/schema-lock.json` and test/schema-lock.test.ts enforce it).
 */
export interface Schema {
  readonly object: SchemaObject;
  readonly steps: readonly Step[];
}

/** A stored history that does not match the code's, or a step that failed (and was rolled back). */
export class SchemaError extends Error {
  override readonly name = "SchemaError";
}

interface SchemaRow {
  version: number;
  /** Missing in `_schema` tables created before steps had names. */
  step?: string | null;
}

/**
 * Applies the steps after the stored version, each in its own transaction together with the
 * `_schema` update, and returns the version reached. On an object that is up to date this is
 * two statements: `CREATE TABLE IF NOT EXISTS` and one `SELECT`.
 */
export function migrate(storage: DurableObjectStorage, schema: Schema): number {
  const { object, steps } = schema;
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL, step TEXT)");
  const row = sql.exec("SELECT * FROM _schema").toArray()[0] as SchemaRow | undefined;
  let version = row?.version ?? 0;
  if (!row) {
    sql.exec("INSERT INTO _schema (version, step) VALUES (0, NULL)");
  } else if (row.step === undefined || (row.step === null && version > 0)) {
    // Recorded before steps had names: trust the version, as the previous code did, and name
    // it (an object ahead of this code keeps NULL until a later code version names it).
    const name = steps[version - 1]?.name ?? null;
    storage.transactionSync(() => {
      if (row.step === undefined) sql.exec("ALTER TABLE _schema ADD COLUMN step TEXT");
      sql.exec("UPDATE _schema SET step = ?", name);
    });
  } else if (version > 0) {
    const expected = steps[version - 1]?.name;
    // An object ahead of the code (a rolled-back deploy) is served as before: its extra steps
    // only added things this code does not use.
    if (expected !== undefined && row.step !== expected) {
      throw new SchemaError(
        `${object}: the object is at step ${version} "${row.step}", but step ${version} here is ` +
          `"${expected}"; its stored history differs from this code's, so no step is run`,
      );
    }
  }
  for (let step = steps[version]; step !== undefined; step = steps[version]) {
    const n = version + 1;
    try {
      storage.transactionSync(() => {
        for (const statement of step.sql) sql.exec(statement);
        sql.exec("UPDATE _schema SET version = ?, step = ?", n, step.name);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SchemaError(`${object} step ${n} "${step.name}": ${message}`, { cause: error });
    }
    version = n;
  }
  return version;
}
