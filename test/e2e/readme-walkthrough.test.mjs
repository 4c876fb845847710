// The README's walk-through, run as a newcomer runs it: `./baton dev`, then the shell block
// exactly as `./baton dev` printed it, then the journey read back. All six items are there,
// the promise is pending (not already broken), and nothing apologises for a missed promise.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startRelay } from "./relay.mjs";

const root = new URL("../..", import.meta.url).pathname;
let relay;
let port;
let output = "";

before(async () => {
  relay = await startRelay("readme", { ready: /Search the history in D1[^\n]*\n[^\n]*\n/ });
  port = relay.port;
  output = relay.output();
});

after(() => relay?.stop());

/** The README's walk-through block, pointed at this relay's port. */
function readmeWalkthrough() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /<!-- walkthrough[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "the README has a marked walk-through block");
  assert.ok(block.includes("localhost:8787"));
  return block.replaceAll("localhost:8787", `127.0.0.1:${port}`).trimEnd();
}

/**
 * The block as `./baton dev` printed it, cut to the README block's length: wrangler's own log
 * lines (a request, a reload) may follow it on the same stream.
 */
function printedWalkthrough() {
  const from = output.indexOf("export BATON_KEY=", output.indexOf("Walk through one journey"));
  assert.ok(from > 0, "the walk-through is printed");
  return output.slice(from, from + readmeWalkthrough().length);
}

test("the printed walk-through is the README's, pointed at the running relay", () => {
  assert.equal(printedWalkthrough(), readmeWalkthrough());
});

test("running the walk-through shows all six items, the promise pending and nothing broken", async () => {
  const script = `set -eu\n${printedWalkthrough()}\necho "JOURNEY_ID=$JOURNEY_ID"\n`;
  const out = execFileSync("bash", ["-c", script], { cwd: root, encoding: "utf8" });
  const id = /JOURNEY_ID=(\S+)/.exec(out)?.[1];
  assert.match(id ?? "", /^jrn_/);
  const key = /export BATON_KEY=(\S+)/.exec(output)[1];
  const res = await fetch(`http://127.0.0.1:${port}/v1/journeys/${id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200);
  const ctx = await res.json();
  assert.equal(ctx.reason.text, "I was charged twice for March");
  assert.equal(ctx.history.total, 5);
  assert.equal(ctx.lastAction.text, "refund requested from payments");
  assert.equal(ctx.constraints.length, 1);
  assert.equal(ctx.constraints[0].kind, "channel_only");
  assert.equal(ctx.promises.length, 1);
  assert.equal(ctx.promises[0].status, "pending");
  assert.ok(Date.parse(ctx.promises[0].dueAt) > Date.now() + 2 * 86_400_000);
  assert.equal(ctx.owner.name, "Dana Reyes");
  assert.deepEqual(ctx.exceptions, []);
  assert.equal(ctx.effort.brokenPromises, 0);
  // No "we missed" line anywhere in the answer a newcomer reads first.
  assert.doesNotMatch(JSON.stringify(ctx), /missed|apolog|"status":"(broken|overdue)"/i);
});
