#!/usr/bin/env node
// Appends new Durable Object schema steps to workers/relay/src/objects/schema-lock.json
// (docs/storage.md, "Schema migrations"). A locked step is never rewritten: if one was edited,
// removed or reordered, this script says which and exits 1 without writing.
//
//   node scripts/schema-lock.mjs          lock the steps appended since the last run
//   node scripts/schema-lock.mjs --check  exit 1 if the lock is not up to date (writes nothing)
//
// It imports the TypeScript schema files directly (Node >= 22.18 strips the types); the hook
// below only adds the `.ts` that the bundler-style imports leave out.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (!specifier.startsWith(".")) throw error;
      return next(`${specifier}.ts`, context);
    }
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const objects = join(root, "workers/relay/src/objects");
const lockPath = join(objects, "schema-lock.json");
const check = process.argv.includes("--check");

/** The hash test/schema-lock.test.ts computes too: SHA-256 of the step's statements as JSON. */
const hash = (sql) => createHash("sha256").update(JSON.stringify(sql), "utf8").digest("hex");

/** Every `objects/<object>/schema.ts` and the one `Schema` it exports. */
async function loadSchemas() {
  const schemas = {};
  for (const dir of readdirSync(objects, { withFileTypes: true })) {
    const file = join(objects, dir.name, "schema.ts");
    if (!dir.isDirectory() || !existsSync(file)) continue;
    const module = await import(pathToFileURL(file).href);
    const found = Object.values(module).filter(
      (v) => v && typeof v === "object" && typeof v.object === "string" && Array.isArray(v.steps),
    );
    if (found.length !== 1) throw new Error(`${file}: expected one exported Schema`);
    const schema = found[0];
    if (schema.object !== dir.name) throw new Error(`${file}: object is "${schema.object}"`);
    const names = schema.steps.map((s) => s.name);
    const dup = names.find((n, i) => !n || names.indexOf(n) !== i);
    if (dup !== undefined) throw new Error(`${dir.name}: step name "${dup}" is empty or repeated`);
    schemas[schema.object] = schema.steps.map((s) => ({ name: s.name, sha256: hash(s.sql) }));
  }
  return schemas;
}

const current = await loadSchemas();
const lock = existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, "utf8")) : {};
const problems = [];
let added = 0;
for (const object of Object.keys(lock)) {
  if (!(object in current))
    problems.push(`${object}: locked, but objects/${object}/schema.ts is gone`);
}
const next = {};
for (const object of Object.keys(current).sort()) {
  const locked = lock[object] ?? [];
  const steps = current[object];
  locked.forEach((l, i) => {
    const s = steps[i];
    const at = `${object} step ${i + 1} "${l.name}"`;
    if (!s) problems.push(`${at}: released, but removed`);
    else if (s.name !== l.name)
      problems.push(`${at}: released, but the code has "${s.name}" there`);
    else if (s.sha256 !== l.sha256) problems.push(`${at}: released, but its SQL was edited`);
  });
  added += Math.max(0, steps.length - locked.length);
  next[object] = [...locked, ...steps.slice(locked.length)];
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(
    "Released steps are never edited, removed or reordered: restore them and append a new step.",
  );
  process.exit(1);
}
const text = `${JSON.stringify(next, null, 2)}\n`;
const old = existsSync(lockPath) ? readFileSync(lockPath, "utf8") : "";
if (text === old) {
  console.log("schema-lock.json is up to date");
} else if (check) {
  console.error(`schema-lock.json is missing ${added} step(s): run node scripts/schema-lock.mjs`);
  process.exit(1);
} else {
  writeFileSync(lockPath, text);
  console.log(`schema-lock.json: ${added} step(s) locked`);
}
