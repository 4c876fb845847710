import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../workers/relay/src/app";
import { signAssertion } from "../workers/relay/src/context/assertion";
import {
  NEUTRAL_SENTENCE,
  ASSERTION_SECRET,
  PROMPT_SENTENCE,
  assertionFor,
  connectEvent,
  everyIvrPath,
  expectNothingPersonal,
  mint,
  story,
} from "./disclosure-helpers";
import { ADMIN, api, expectProblem, flushJourney, smsFrom, workspace } from "./helpers";

describe("call-start disclosure: caller ID is context, not identity", () => {
  it("an unattested caller gets routing keys only, on every IVR path", async () => {
    const s = await story("+14155550601");
    const paths = await everyIvrPath(s);
    for (const [path, res] of Object.entries(paths)) {
      expect(res.status, path).toBe(200);
      expectNothingPersonal(res.body);
      expect(res.body, path).toMatchObject({
        match: "single",
        journeyId: s.id,
        queue: "billing",
        ownerId: "dana",
        knownCaller: "true",
        verified: "false",
        tier: "routing",
        tierReason: "attestation_absent",
        sentence: NEUTRAL_SENTENCE,
      });
      expect(res.headers.get("x-baton-disclosure-tier"), path).toBe("routing");
      expect(res.headers.get("x-baton-disclosure-reason"), path).toBe("attestation_absent");
    }
  });

  it("attestation A earns only the neutral prompt; Amazon Connect never has an attestation", async () => {
    const s = await story("+14155550602");
    const paths = await everyIvrPath(s, { attestation: "A" });
    for (const path of ["context", "genesys", "studio"]) {
      const res = paths[path];
      expectNothingPersonal(res?.body);
      expect(res?.body, path).toMatchObject({
        tier: "prompt",
        tierReason: "attestation_A",
        verified: "false",
        sentence: PROMPT_SENTENCE,
        ownerId: "dana",
      });
    }
    // A Connect flow that forwards something looking like an attestation gains nothing.
    const connect = await api(
      "POST",
      `/hooks/${s.ws}/connect`,
      connectEvent(s.phone, { attestation: "A", StirVerstat: "TN-Validation-Passed-A" }),
      s.key,
    );
    expectNothingPersonal(connect.body);
    expect(connect.body).toMatchObject({ tier: "routing", tierReason: "attestation_absent" });
    const partial = await everyIvrPath(s, { attestation: "B" });
    expect(partial.genesys?.body).toMatchObject({ tier: "routing", tierReason: "attestation_B" });
  });

  it("a valid assertion unlocks personal items on every IVR path", async () => {
    const s = await story("+14155550603");
    const assertion = await assertionFor(s.asserter, s.phone, "pin");
    const paths = await everyIvrPath(s, { assertion });
    for (const [path, res] of Object.entries(paths)) {
      expect(res.status, path).toBe(200);
      expect(res.body, path).toMatchObject({
        tier: "personal",
        tierReason: "assertion_pin",
        verified: "true",
        owner: "Dana Reyes",
        exception: "failed_payment",
      });
      expect(String(res.body.promise), path).toContain("refund within 3 business days");
      expect(String(res.body.sentence), path).toContain("Dana");
      expect(new TextEncoder().encode(JSON.stringify(res.body)).length).toBeLessThanOrEqual(1024);
    }
  });

  it("expired, tampered, other-number and other-workspace assertions unlock nothing", async () => {
    const s = await story("+14155550604");
    const other = await story("+14155550605");
    const old = Date.now() - 3_600_000;
    const good = await assertionFor(s.asserter, s.phone);
    const [prefix, payload, sig] = good.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, exp: claims.exp + 86_400 }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const bad: Record<string, string> = {
      expired: await signAssertion(
        ASSERTION_SECRET,
        { ws: s.ws, id: `phone:${s.phone}`, m: "pin" },
        60,
        old,
      ),
      tampered: `${prefix}.${forged}.${sig}`,
      other_caller: await assertionFor(s.asserter, "+14155550699"),
      other_workspace: await assertionFor(other.asserter, s.phone),
      malformed: "not-an-assertion",
    };
    // Signed the old way, under the admin secret: refused as not Baton's signature.
    const underAdmin = await signAssertion(
      ADMIN,
      { ws: s.ws, id: `phone:${s.phone}`, m: "pin" },
      60,
    );
    const refused = await api(
      "GET",
      `/v1/context?phone=${encodeURIComponent(s.phone)}&audience=ivr&assertion=${encodeURIComponent(underAdmin)}`,
      undefined,
      s.key,
    );
    expectProblem(refused, 403, "invalid_assertion");
    expect(refused.body).toMatchObject({ reason: "tampered" });
    for (const [why, assertion] of Object.entries(bad)) {
      // The API refuses it outright, naming the field and the reason.
      const q = `/v1/context?phone=${encodeURIComponent(s.phone)}&assertion=${encodeURIComponent(assertion)}`;
      for (const audience of ["ivr", "bot", "agent"]) {
        const res = await api("GET", `${q}&audience=${audience}`, undefined, s.key);
        expectProblem(res, 403, "invalid_assertion");
        expect(res.body).toMatchObject({ reason: why, errors: [{ path: "assertion" }] });
      }
      // Provider hooks must still route the call: routing tier, and the map says why.
      const hooks = await everyIvrPath(s, { assertion });
      for (const path of ["connect", "genesys", "studio"]) {
        const res = hooks[path];
        expect(res?.status, `${path} ${why}`).toBe(200);
        expectNothingPersonal(res?.body);
        expect(res?.body, `${path} ${why}`).toMatchObject({
          tier: "routing",
          tierReason: `assertion_${why}`,
          match: "single",
        });
      }
    }
  });

  it("minting needs the caller:assert scope and a readable identifier", async () => {
    const s = await story("+14155550606");
    const denied = await mint(s.key, s.phone);
    expectProblem(denied, 403, "insufficient_scope");
    expect(denied.body.required).toBe("caller:assert");
    const badMethod = await mint(s.asserter, s.phone, "guess");
    expectProblem(badMethod, 422, "validation_failed");
    expect(JSON.stringify(badMethod.body.errors)).toContain("method");
    const badTtl = await mint(s.asserter, s.phone, "otp", { ttlSeconds: 86_400 });
    expectProblem(badTtl, 422, "validation_failed");
    expect(JSON.stringify(badTtl.body.errors)).toContain("ttlSeconds");
    const badPhone = await mint(s.asserter, "12");
    expectProblem(badPhone, 422, "invalid_identifier");
    expect(JSON.stringify(badPhone.body.errors)).toContain("identifier.value");
    const withheld = await mint(s.asserter, "anonymous");
    expectProblem(withheld, 422, "invalid_identifier");
    const ok = await mint(s.asserter, "(415) 555-0606", "otp", { ttlSeconds: 60 });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      identifier: { type: "phone", value: s.phone },
      method: "otp",
    });
    const ttl = Date.parse(ok.body.expiresAt as string) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("without a usable CALLER_ASSERTION_SECRET minting is a 503 and no assertion unlocks anything", async () => {
    const s = await story("+14155550607");
    const good = await assertionFor(s.asserter, s.phone);
    const call = async (method: string, path: string, body: unknown, e: Env) => {
      const req = new Request(`https://baton.test${path}`, {
        method,
        headers: { authorization: `Bearer ${s.asserter}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
      const res = await app.fetch(req, e, ctx as unknown as ExecutionContext);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    for (const secret of [undefined, "too-short-secret"]) {
      const e = { ...(env as unknown as Env), CALLER_ASSERTION_SECRET: secret };
      const minted = await call(
        "POST",
        "/v1/context/assertions",
        { identifier: { type: "phone", value: s.phone }, method: "pin" },
        e,
      );
      expect(minted.status).toBe(503);
      expect(minted.body.code).toBe("assertions_not_configured");
      const q = `/v1/context?phone=${encodeURIComponent(s.phone)}&audience=ivr&assertion=${encodeURIComponent(good)}`;
      const read = await call("GET", q, undefined, e);
      expect(read.status).toBe(403);
      expect(read.body).toMatchObject({ code: "invalid_assertion", reason: "disabled" });
    }
  });

  it("authenticated=pin|otp|session is trusted only from a key with caller:assert", async () => {
    const s = await story("+14155550607");
    const q = `/v1/context?phone=${encodeURIComponent(s.phone)}&authenticated=session`;
    const denied = await api("GET", `${q}&audience=ivr`, undefined, s.key);
    expectProblem(denied, 403, "insufficient_scope");
    expect(denied.body.required).toBe("caller:assert");
    const ivr = await api("GET", `${q}&audience=ivr`, undefined, s.asserter);
    expect(ivr.body).toMatchObject({
      tier: "personal",
      tierReason: "authenticated_session",
      owner: "Dana Reyes",
    });
    expectProblem(
      await api("GET", `${q}&audience=ivr&assertion=x`, undefined, s.asserter),
      400,
      "invalid_query",
    );
    expectProblem(
      await api("GET", `/v1/context?journey=${s.id}&authenticated=pin`, undefined, s.asserter),
      400,
      "invalid_query",
    );
  });

  it("bot and agent lookups by phone give nothing personal below the personal tier", async () => {
    const s = await story("+14155550608");
    const q = `/v1/context?phone=${encodeURIComponent(s.phone)}`;
    for (const format of ["json", "text", "openai", "anthropic"]) {
      const bot = await api("GET", `${q}&audience=bot&format=${format}`, undefined, s.key);
      expect(bot.status).toBe(200);
      expectNothingPersonal(bot.body);
      expect(bot.headers.get("x-baton-disclosure-tier")).toBe("routing");
    }
    const agent = await api("GET", `${q}&audience=agent&attestation=A`, undefined, s.key);
    expect(agent.body).toMatchObject({ verified: false, context: null, journeyId: s.id });
    expect(agent.headers.get("x-baton-disclosure-tier")).toBe("prompt");
    expectNothingPersonal(agent.body);
    const assertion = await assertionFor(s.asserter, s.phone, "otp");
    const full = await api(
      "GET",
      `${q}&audience=agent&assertion=${encodeURIComponent(assertion)}`,
      undefined,
      s.key,
    );
    expect(full.body).toMatchObject({ verified: true, owner: { name: "Dana Reyes" } });
    expect(full.headers.get("x-baton-disclosure-reason")).toBe("assertion_otp");
    const bot = await api("GET", `${q}&audience=bot&authenticated=pin`, undefined, s.asserter);
    expect(JSON.stringify(bot.body)).toContain("refund within 3 business days");
    // A journey id is not a caller: the key holder already chose the journey.
    const byId = await api("GET", `/v1/context?journey=${s.id}&audience=agent`, undefined, s.key);
    expect(byId.headers.get("x-baton-disclosure-tier")).toBe("personal");
    expect(byId.headers.get("x-baton-disclosure-reason")).toBe("journey_lookup");
  });

  it("an identifier its channel proved keeps the personal tier; a phone number needs more", async () => {
    const w = await workspace();
    const ids = [
      { type: "user", value: "u-4471", verification: "verified" },
      { type: "phone", value: "+14155550610", verification: "verified" },
    ];
    const first = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550610", "I was charged twice for March"), identifiers: ids },
      w.key,
    );
    await flushJourney(w.ws, first.body.journeyId as string);
    const byUser = await api("GET", "/v1/context?user=u-4471&audience=agent", undefined, w.key);
    expect(byUser.body.verified).toBe(true);
    expect(byUser.headers.get("x-baton-disclosure-reason")).toBe("trusted_link");
    const q = "/v1/context?phone=%2B14155550610&audience=agent";
    const byPhone = await api("GET", q, undefined, w.key);
    expect(byPhone.body).toMatchObject({ verified: false, context: null });
    expect(byPhone.headers.get("x-baton-disclosure-reason")).toBe("attestation_absent");
  });

  it("a workspace policy widens or narrows single items", async () => {
    const s = await story("+14155550609");
    const patch = (disclosure: unknown) =>
      api("PATCH", `/v1/admin/workspaces/${s.ws}/settings`, { disclosure }, ADMIN);
    const widened = await patch({ fields: { reason: "prompt", ownerId: "personal" } });
    expect(widened.status).toBe(200);
    expect(widened.body.settings.disclosure.fields).toEqual({
      reason: "prompt",
      ownerId: "personal",
    });
    const q = `/v1/context?phone=${encodeURIComponent(s.phone)}&audience=ivr`;
    const prompt = await api("GET", `${q}&attestation=A`, undefined, s.key);
    expect(prompt.body).toMatchObject({ tier: "prompt", reason: "I was charged twice for March" });
    expect(prompt.body.sentence).toBe("You told us: I was charged twice for March.");
    expect(prompt.body.ownerId).toBeUndefined();
    for (const item of ["Dana", "refund", "invoice"])
      expect(JSON.stringify(prompt.body)).not.toContain(item);
    const routing = await api("GET", q, undefined, s.key);
    expect(routing.body).toMatchObject({ tier: "routing", sentence: NEUTRAL_SENTENCE });
    expect(routing.body.ownerId).toBeUndefined();
    expectNothingPersonal(routing.body);
    expectProblem(await patch({ fields: { reason: "everyone" } }), 422, "validation_failed");
    const unknown = await patch({ fields: { ssn: "routing" } });
    expectProblem(unknown, 422, "validation_failed");
    expect(JSON.stringify(unknown.body.errors)).toContain("ssn");
  });
});
