/**
 * Versioned schema migrations for a Durable Object's SQLite storage. Each object runs
 * `migrate()` in its constructor inside `blockConcurrencyWhile`; the applied version is kept
 * in `_schema`, so each step runs once and existing rows are carried forward.
 */
export type Migration = readonly string[];

/** Applies the migrations after the stored version, each in its own transaction. */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[]): number {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()[0];
  let version = row?.version ?? 0;
  if (!row) sql.exec("INSERT INTO _schema (version) VALUES (0)");
  while (version < migrations.length) {
    const steps = migrations[version] ?? [];
    storage.transactionSync(() => {
      for (const step of steps) sql.exec(step);
      sql.exec("UPDATE _schema SET version = ?", version + 1);
    });
    version++;
  }
  return version;
}
