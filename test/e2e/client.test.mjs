// @baton/client end to end: build the package, start the relay with ./baton dev like a user,
// check that it serves the committed OpenAPI document, drive the API through the built client,
// and run the two examples (LLM tool loop with a scripted stand-in, voice call start).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startRelay } from "./relay.mjs";
import { compileErrors, validate } from "@readme/openapi-parser";
import { DOCUMENT_FILE, renderDocument } from "../../packages/client/scripts/codegen.mjs";

const root = new URL("../..", import.meta.url).pathname;
const examples = join(root, "packages/client/examples");
let relay;
let base;
let key;
let sdk;

before(async () => {
  // `node --run` (not pnpm): the package's own build script, with only this Node on PATH.
  const build = spawnSync(process.execPath, ["--run", "build"], {
    cwd: join(root, "packages/client"),
    encoding: "utf8",
  });
  assert.equal(build.status, 0, `client build failed:\n${build.stdout}${build.stderr}`);
  sdk = await import("../../packages/client/dist/index.js");
  relay = await startRelay("client-e2e");
  ({ base, key } = relay);
});

after(() => relay?.stop());

const client = () => sdk.createBatonClient({ baseUrl: base, apiKey: key });
const sms = (phone, text) => ({
  identifiers: [{ type: "phone", value: phone }],
  channel: "sms",
  direction: "inbound",
  actor: { kind: "customer" },
  text,
});

/**
 * Runs an example as a user would, against this relay. Node strips the types (the flag is the
 * default from Node 22.18 and is needed on 22.6–22.17, which ./baton accepts).
 */
function runExample(file, caller) {
  const env = { ...process.env, BATON_URL: base, BATON_KEY: key, CALLER: caller };
  const run = spawnSync(process.execPath, ["--experimental-strip-types", join(examples, file)], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `${file} failed:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

test("the relay serves exactly the committed OpenAPI document, valid for @readme/openapi-parser", async () => {
  const res = await fetch(`${base}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  const checked = await validate(JSON.parse(JSON.stringify(doc)));
  assert.ok(checked.valid, checked.valid ? "" : compileErrors(checked));
  const served = await renderDocument(doc);
  assert.equal(served, readFileSync(DOCUMENT_FILE, "utf8"), "run `pnpm client:generate`");
  const page = await fetch(`${base}/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy"), /default-src 'none'/);
});

test("the typed client writes and reads a journey and throws BatonError with the problem code", async () => {
  const baton = client();
  const posted = await baton.postEvent(sms("+14155550171", "I was charged twice for March"));
  const id = posted.journeyId;
  await baton.setOwner(id, { id: "dana", name: "Dana Reyes", team: "billing" });
  const promise = await baton.addPromise(id, {
    text: "refund within 3 business days",
    dueAt: "2099-12-03T17:00:00Z",
    madeBy: { kind: "agent", id: "dana" },
  });
  await baton.addConstraint(id, { text: "SMS only", kind: "channel_only", channel: "sms" });
  await baton.recordAction(id, { text: "refund requested", actor: { kind: "agent", id: "dana" } });
  const ctx = await baton.getJourney(id);
  assert.equal(ctx.reason?.text, "I was charged twice for March");
  assert.equal(ctx.owner?.name, "Dana Reyes");
  assert.equal(ctx.promises[0]?.id, promise.id);
  assert.equal(ctx.constraints[0]?.text, "SMS only");
  assert.equal(ctx.lastAction?.text, "refund requested");
  assert.equal(ctx.history.total, 5);
  const page = await baton.listEvents(id, { limit: 2 });
  assert.deepEqual(
    page.items.map((e) => e.seq),
    [1, 2],
  );
  const ivr = await baton.getContext({ phone: "+14155550171", audience: "ivr" });
  assert.equal(ivr.journeyId ?? id, id);
  assert.ok(ivr.sentence);

  const missing = await baton.getJourney("jrn_0000000000000000000000").catch((e) => e);
  assert.ok(missing instanceof sdk.BatonError);
  assert.equal(missing.status, 404);
  assert.equal(missing.code, "journey_not_found");
  const invalid = await baton
    .postEvent({ ...sms("+14155550171", "x"), channel: "pigeon" })
    .catch((e) => e);
  assert.equal(invalid.code, "validation_failed");
  assert.equal(invalid.problem.errors[0].path, "channel");
});

test("the examples type-check against the built client", () => {
  const tscJs = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const tsc = spawnSync(process.execPath, [tscJs, "-p", join(examples, "tsconfig.json")], {
    encoding: "utf8",
  });
  assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
});

test("the LLM tool loop example makes its scripted tool calls through generated tools", async () => {
  const caller = "+14155550172";
  const out = runExample("llm-tool-loop.mts", caller);
  assert.match(out, /OpenAI-style tools: \["getContext","addPromise","recordAction","setOwner"\]/);
  assert.match(out, /reply: I have asked for the refund/);
  // The scripted calls reached Baton: the caller's journey holds the promise and the action.
  const baton = client();
  const answer = await baton.getContext({ phone: caller, audience: "agent" });
  const ctx = await baton.getJourney(answer.journeyId);
  assert.equal(ctx.promises.at(-1)?.text, "refund the duplicate March charge");
  assert.equal(ctx.lastAction?.text, "refund requested for the duplicate March charge");
  // Both formats carry the same self-contained JSON Schema, taken from the document.
  const doc = await (await fetch(`${base}/openapi.json`)).json();
  const tools = sdk.toolsFromDocument(doc, ["addPromise"]);
  assert.equal(tools.openai[0].type, "function");
  assert.deepEqual(tools.openai[0].function.parameters, tools.anthropic[0].input_schema);
  const schema = JSON.stringify(tools.anthropic[0].input_schema);
  assert.doesNotMatch(schema, /#\/components\//);
  assert.deepEqual(tools.anthropic[0].input_schema.required, ["id", "body"]);
});

test("the voice call-start example says the IVR sentence Baton gives for the caller", async () => {
  const caller = "+14155550173";
  await client().postEvent(sms(caller, "Where is my parcel?"));
  const out = runExample("voice-call-start.mts", caller);
  const ivr = await client().getContext({ phone: caller, audience: "ivr" });
  assert.ok(ivr.sentence);
  assert.match(
    out,
    new RegExp(`^say: ${ivr.sentence.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
  );
  assert.match(out, new RegExp(`^match: ${ivr.match}$`, "m"));
});
