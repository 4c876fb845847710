import { describe, expect, it } from "vitest";
import type { Schema } from "../workers/relay/src/objects/migrate";
import lock from "../workers/relay/src/objects/schema-lock.json";
import { CUSTOMER_SCHEMA } from "../workers/relay/src/objects/customer/schema";
import { IDENTITY_SCHEMA } from "../workers/relay/src/objects/identity/schema";
import { JOURNEY_SCHEMA } from "../workers/relay/src/objects/journey/schema";
import { WEBHOOKS_SCHEMA } from "../workers/relay/src/objects/webhooks/schema";
import { WORKSPACE_SCHEMA } from "../workers/relay/src/objects/workspace/schema";

/**
 * Released Durable Object schema steps are append-only (docs/storage.md, "Schema migrations"):
 * `objects/schema-lock.json` holds each step's name and SHA-256, written by
 * `node scripts/schema-lock.mjs`, which only ever appends.
 */
const SCHEMAS: readonly Schema[] = [
  CUSTOMER_SCHEMA,
  IDENTITY_SCHEMA,
  JOURNEY_SCHEMA,
  WEBHOOKS_SCHEMA,
  WORKSPACE_SCHEMA,
];

type Lock = Record<string, readonly { name: string; sha256: string }[]>;
const HOW =
  "Released steps are never edited, removed or reordered: restore it and append a new step.";
const RELOCK = "Lock new steps with: node scripts/schema-lock.mjs";

/** SHA-256 (hex) of a step's statements as JSON, as scripts/schema-lock.mjs computes it. */
async function hash(sql: readonly string[]): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(sql)),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What is wrong between the lock and the code; empty when the code only appended steps. */
async function problems(lock: Lock, schemas: readonly Schema[]): Promise<string[]> {
  const out: string[] = [];
  const objects = new Set(schemas.map((s) => s.object));
  for (const object of Object.keys(lock))
    if (!objects.has(object as Schema["object"])) out.push(`${object}: locked, but gone`);
  for (const { object, steps } of schemas) {
    const locked = lock[object] ?? [];
    for (const [i, l] of locked.entries()) {
      const step = steps[i];
      const at = `${object} step ${i + 1} "${l.name}"`;
      if (!step) out.push(`${at}: released, but removed. ${HOW}`);
      else if (step.name !== l.name)
        out.push(`${at}: released, but the code has "${step.name}" there. ${HOW}`);
      else if ((await hash(step.sql)) !== l.sha256)
        out.push(`${at}: released, but its SQL was edited. ${HOW}`);
    }
    for (const [i, step] of steps.entries())
      if (i >= locked.length)
        out.push(`${object} step ${i + 1} "${step.name}": not locked. ${RELOCK}`);
  }
  return out;
}

describe("object schema lock", () => {
  it("every released step is unchanged and in place, and every step is locked", async () => {
    expect(await problems(lock, SCHEMAS)).toEqual([]);
  });

  it("covers the five object classes, each once, with unique step names", () => {
    expect(Object.keys(lock).sort()).toEqual(SCHEMAS.map((s) => s.object).sort());
    for (const { object, steps } of SCHEMAS) {
      const names = steps.map((s) => s.name);
      expect(new Set(names).size, object).toBe(names.length);
      expect(
        names.every((n) => /^[a-z0-9_]+$/.test(n)),
        object,
      ).toBe(true);
    }
  });

  describe("catches", () => {
    const base: Schema = {
      object: "workspace",
      steps: [
        { name: "one", sql: ["CREATE TABLE a (x)"] },
        { name: "two", sql: ["CREATE TABLE b (x)"] },
      ],
    };
    const locked = async (): Promise<Lock> => ({
      workspace: await Promise.all(
        base.steps.map(async (s) => ({ name: s.name, sha256: await hash(s.sql) })),
      ),
    });
    const only = (steps: Schema["steps"]): Schema[] => [{ object: "workspace", steps }];
    const [one, two] = base.steps as [Schema["steps"][0], Schema["steps"][0]];

    it("nothing when steps are only appended (once locked)", async () => {
      const appended = [...base.steps, { name: "three", sql: ["CREATE TABLE c (x)"] }];
      expect(await problems(await locked(), only(base.steps))).toEqual([]);
      expect(await problems(await locked(), only(appended))).toEqual([
        `workspace step 3 "three": not locked. ${RELOCK}`,
      ]);
    });

    it("an edited step, even by one space", async () => {
      const edited = [one, { name: "two", sql: ["CREATE TABLE b  (x)"] }];
      expect(await problems(await locked(), only(edited))).toEqual([
        `workspace step 2 "two": released, but its SQL was edited. ${HOW}`,
      ]);
    });

    it("a removed step", async () => {
      expect(await problems(await locked(), only([one]))).toEqual([
        `workspace step 2 "two": released, but removed. ${HOW}`,
      ]);
    });

    it("reordered steps", async () => {
      expect(await problems(await locked(), only([two, one]))).toEqual([
        `workspace step 1 "one": released, but the code has "two" there. ${HOW}`,
        `workspace step 2 "two": released, but the code has "one" there. ${HOW}`,
      ]);
    });
  });
});
