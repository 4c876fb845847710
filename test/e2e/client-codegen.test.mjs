// The committed OpenAPI document and the client's generated types, checked in Node (no server):
// the document against the OpenAPI 3.1 specification with a standard validator, and the types
// against what openapi-typescript makes of the document today. test/e2e/client.test.mjs checks
// that the relay serves this very document; test/openapi.test.ts checks it against the routes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import {
  DOCUMENT_FILE,
  SCHEMA_FILE,
  renderDocument,
  renderSchema,
} from "../../packages/client/scripts/codegen.mjs";

const committed = readFileSync(DOCUMENT_FILE, "utf8");
const doc = JSON.parse(committed);
const stale = "out of date: run `pnpm client:generate` and commit the result";

test("the committed OpenAPI document is valid OpenAPI 3.1 for @readme/openapi-parser", async () => {
  assert.equal(doc.openapi, "3.1.0");
  const result = await validate(JSON.parse(committed));
  assert.ok(result.valid, result.valid ? "" : compileErrors(result));
  // The validator is really looking: a dangling reference in a copy is reported.
  const broken = JSON.parse(committed);
  broken.paths["/v1/events"].post.requestBody.content["application/json"].schema = {
    $ref: "#/components/schemas/NoSuchSchema",
  };
  assert.equal((await validate(broken)).valid, false);
});

test("the committed document is written exactly as the generator writes it", async () => {
  assert.equal(await renderDocument(doc), committed, `packages/client/openapi.json is ${stale}`);
});

test("the client's types are what openapi-typescript makes of the committed document", async () => {
  const types = readFileSync(SCHEMA_FILE, "utf8");
  assert.equal(await renderSchema(doc), types, `packages/client/src/schema.d.ts is ${stale}`);
  assert.match(types, /"\/v1\/events": \{/);
  assert.match(types, /postEvent: \{/);
});
