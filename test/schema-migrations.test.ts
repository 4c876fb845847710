import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SchemaError, migrate, type Schema } from "../workers/relay/src/objects/migrate";
import { CUSTOMER_SCHEMA } from "../workers/relay/src/objects/customer/schema";
import { IDENTITY_SCHEMA } from "../workers/relay/src/objects/identity/schema";
import { JOURNEY_SCHEMA } from "../workers/relay/src/objects/journey/schema";
import { WEBHOOKS_SCHEMA } from "../workers/relay/src/objects/webhooks/schema";
import { WORKSPACE_SCHEMA } from "../workers/relay/src/objects/workspace/schema";

type Binding = "JOURNEY" | "CUSTOMER" | "IDENTITY" | "WORKSPACE" | "WEBHOOKS";
const CLASSES: readonly [Binding, Schema][] = [
  ["JOURNEY", JOURNEY_SCHEMA],
  ["CUSTOMER", CUSTOMER_SCHEMA],
  ["IDENTITY", IDENTITY_SCHEMA],
  ["WORKSPACE", WORKSPACE_SCHEMA],
  ["WEBHOOKS", WEBHOOKS_SCHEMA],
];

/** A new object of the class (its constructor has migrated it); runs `fn` inside it. */
async function inFreshObject(
  binding: Binding,
  fn: (storage: DurableObjectStorage) => void | Promise<void>,
): Promise<void> {
  const ns = env[binding];
  const stub = ns.get(ns.idFromName(`schema-test/${crypto.randomUUID()}`));
  await runInDurableObject(stub, (_o, state) => fn(state.storage));
}

const USER = "name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'";

/** Every table and index as SQLite stores its definition, plus the `_schema` row. */
function dump(sql: SqlStorage): unknown {
  return {
    master: sql
      .exec(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE ${USER} ORDER BY name`)
      .toArray(),
    schema: sql.exec("SELECT * FROM _schema").toArray(),
  };
}

/** Drops every table (and so every index), as if the object had never been created. */
function wipe(sql: SqlStorage): void {
  const tables = sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${USER}`)
    .toArray();
  for (const { name } of tables) sql.exec(`DROP TABLE "${name}"`);
}

/** The migrate() released before steps had names, as it left objects in the field. */
function legacyMigrate(storage: DurableObjectStorage, migrations: readonly (readonly string[])[]) {
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
}

const stepOf = (sql: SqlStorage) =>
  sql.exec<{ version: number; step: string | null }>("SELECT version, step FROM _schema").one();

describe.each(CLASSES)("%s object schema", (binding, schema) => {
  const { steps } = schema;
  const last = steps[steps.length - 1]?.name;

  it("a fresh object equals one upgraded step by step from every earlier version", async () => {
    await inFreshObject(binding, (storage) => {
      const sql = storage.sql;
      const fresh = dump(sql);
      expect(stepOf(sql)).toEqual({ version: steps.length, step: last });
      for (let k = 0; k < steps.length; k++) {
        wipe(sql);
        expect(migrate(storage, { ...schema, steps: steps.slice(0, k) })).toBe(k);
        expect(stepOf(sql)).toEqual({ version: k, step: steps[k - 1]?.name ?? null });
        expect(migrate(storage, schema)).toBe(steps.length);
        expect(dump(sql), `from version ${k}`).toEqual(fresh);
      }
    });
  });

  it("an object migrated before steps had names carries over from every version, re-running nothing", async () => {
    await inFreshObject(binding, (storage) => {
      const sql = storage.sql;
      const fresh = dump(sql);
      for (let k = 1; k <= steps.length; k++) {
        wipe(sql);
        legacyMigrate(
          storage,
          steps.slice(0, k).map((s) => s.sql),
        );
        expect(sql.exec("SELECT * FROM _schema").toArray()).toEqual([{ version: k }]);
        // A re-run of any step up to k would fail (CREATE TABLE / ADD COLUMN twice).
        expect(migrate(storage, schema)).toBe(steps.length);
        expect(dump(sql), `from legacy version ${k}`).toEqual(fresh);
      }
    });
  });
});

describe("migrate()", () => {
  it("refuses an object whose recorded step is not the code's step at that version", async () => {
    await inFreshObject("JOURNEY", (storage) => {
      const sql = storage.sql;
      sql.exec("UPDATE _schema SET version = 3, step = 'card_sequence'");
      const run = () => migrate(storage, JOURNEY_SCHEMA);
      expect(run).toThrow(SchemaError);
      expect(run).toThrow(
        'journey: the object is at step 3 "card_sequence", but step 3 here is "journey_card_seq"; ' +
          "its stored history differs from this code's, so no step is run",
      );
      expect(stepOf(sql)).toEqual({ version: 3, step: "card_sequence" });
    });
  });

  it("names the class, step and SQLite error of a failing step, and rolls back that step only", async () => {
    await inFreshObject("WORKSPACE", (storage) => {
      const sql = storage.sql;
      wipe(sql);
      const schema: Schema = {
        object: "workspace",
        steps: [
          { name: "one", sql: ["CREATE TABLE t1 (a)"] },
          { name: "two", sql: ["CREATE TABLE t2 (a)", "CREATE TABLE t1 (a)"] },
          { name: "three", sql: ["CREATE TABLE t3 (a)"] },
        ],
      };
      let error: unknown;
      try {
        migrate(storage, schema);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toMatch(
        /^workspace step 2 "two": .*table t1 already exists/,
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
      const tables = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 't_' ORDER BY name")
        .toArray()
        .map((t) => t.name);
      expect(tables).toEqual(["t1"]);
      expect(stepOf(sql)).toEqual({ version: 1, step: "one" });
    });
  });

  it("leaves an object that is ahead of the code (a rolled-back deploy) as it is", async () => {
    await inFreshObject("WORKSPACE", (storage) => {
      const sql = storage.sql;
      const ahead = WORKSPACE_SCHEMA.steps.length + 1;
      sql.exec("UPDATE _schema SET version = ?, step = 'from_a_newer_deploy'", ahead);
      expect(migrate(storage, WORKSPACE_SCHEMA)).toBe(ahead);
      expect(stepOf(sql)).toEqual({ version: ahead, step: "from_a_newer_deploy" });
    });
  });
});
