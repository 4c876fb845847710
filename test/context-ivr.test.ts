import { describe, expect, it } from "vitest";
import { withinBudget } from "../workers/relay/src/context/lookup";
import { ADMIN, api, expectProblem, flushJourney, smsFrom, workspace } from "./helpers";

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

async function journeyWithStory(phone: string) {
  const w = await workspace();
  // A flow that authenticates callers (a PIN, a one-time code) holds a caller:assert key.
  const extra = await api(
    "POST",
    `/v1/admin/workspaces/${w.ws}/keys`,
    { name: "authenticating-flow", scopes: ["context:read", "caller:assert"] },
    ADMIN,
  );
  const asserter = extra.body.key as string;
  await api(
    "PATCH",
    `/v1/admin/workspaces/${w.ws}/settings`,
    { ivr: { defaultQueue: "front-desk", timeZone: "America/New_York", budgetMs: 800 } },
    ADMIN,
  );
  const a = await api(
    "POST",
    "/v1/events",
    {
      ...smsFrom(phone, "I was charged twice for March"),
      identifiers: [{ type: "phone", value: phone, verification: "verified" }],
    },
    w.key,
  );
  const id = a.body.journeyId as string;
  await api(
    "PUT",
    `/v1/journeys/${id}/owner`,
    { id: "dana", name: "Dana Reyes", team: "billing" },
    w.key,
  );
  await api(
    "POST",
    `/v1/journeys/${id}/promises`,
    {
      text: "refund within 3 business days",
      dueAt: "2099-12-03T22:00:00Z",
      madeBy: { kind: "agent", id: "dana", name: "Dana" },
    },
    w.key,
  );
  await flushJourney(w.ws, id); // the alarm pushes the card and the brief (≈200 ms in production)
  return { ...w, id, asserter };
}

describe("IVR lookup at call start", () => {
  it("an authenticated caller gets a flat map under 1 KB with the owner, the promise and one sentence", async () => {
    const { asserter, id } = await journeyWithStory("+14155550180");
    const res = await api(
      "GET",
      "/v1/context?phone=%2B14155550180&audience=ivr&authenticated=pin",
      undefined,
      asserter,
    );
    expect(res.status).toBe(200);
    const map = res.body as Record<string, unknown>;
    expect(Object.values(map).every((v) => typeof v === "string")).toBe(true);
    expect(bytes(map)).toBeLessThanOrEqual(1024);
    expect(map).toMatchObject({
      match: "single",
      journeyId: id,
      verified: "true",
      tier: "personal",
      tierReason: "authenticated_pin",
      owner: "Dana Reyes",
      queue: "billing",
    });
    expect(String(map.promise)).toContain("refund within 3 business days");
    expect(String(map.sentence)).toContain("Dana");
  });

  it("an unknown caller gets match=none and the default queue", async () => {
    const { key } = await journeyWithStory("+14155550181");
    const res = await api("GET", "/v1/context?phone=%2B14155550999&audience=ivr", undefined, key);
    expect(res.body).toMatchObject({ match: "none", queue: "front-desk", verified: "false" });
  });

  it("an anonymous caller never matches anyone", async () => {
    const { key } = await journeyWithStory("+14155550182");
    const res = await api("GET", "/v1/context?phone=anonymous&audience=ivr", undefined, key);
    expect(res.body).toMatchObject({ match: "none", queue: "front-desk" });
  });

  it("caller ID below full attestation is unverified: nothing personal is spoken", async () => {
    const { key } = await journeyWithStory("+14155550183");
    const res = await api(
      "GET",
      "/v1/context?phone=%2B14155550183&audience=ivr&attestation=B",
      undefined,
      key,
    );
    expect(res.body.verified).toBe("false");
    expect(res.body).toMatchObject({ tier: "routing", tierReason: "attestation_B" });
    const all = JSON.stringify(res.body);
    for (const secret of ["Dana", "refund", "charged", "billing.", "March"])
      expect(all).not.toContain(secret);
  });

  it("a spoofable caller ID hears nothing personal on any call-start path, whatever its attestation", async () => {
    const { ws, key } = await journeyWithStory("+14155550179");
    const connect = {
      Details: {
        ContactData: { CustomerEndpoint: { Address: "+14155550179", Type: "TELEPHONE_NUMBER" } },
        Parameters: { attestation: "A" },
      },
    };
    const answers = [
      await api("GET", "/v1/context?phone=%2B14155550179&audience=ivr", undefined, key),
      await api(
        "GET",
        "/v1/context?phone=%2B14155550179&audience=ivr&attestation=A",
        undefined,
        key,
      ),
      await api("POST", `/hooks/${ws}/connect`, connect, key),
      await api("POST", `/hooks/${ws}/genesys`, { phone: "+14155550179" }, key),
      await api("POST", `/hooks/${ws}/genesys`, { phone: "+14155550179", attestation: "A" }, key),
      await api("GET", `/hooks/${ws}/studio?phone=%2B14155550179&stirVerstat=`, undefined, key),
      await api(
        "GET",
        `/hooks/${ws}/studio?phone=%2B14155550179&stirVerstat=TN-Validation-Passed-A`,
        undefined,
        key,
      ),
      await api("GET", "/v1/context?phone=%2B14155550179&audience=bot", undefined, key),
      await api("GET", "/v1/context?phone=%2B14155550179&audience=agent", undefined, key),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      const all = JSON.stringify(res.body);
      for (const secret of ["Dana", "refund", "charged", "March", "2099"])
        expect(all).not.toContain(secret);
      expect(["routing", "prompt"]).toContain(res.headers.get("x-baton-disclosure-tier"));
    }
    // The IVR maps route on the match and the owner id, and say which tier applied.
    expect(answers[2]?.body).toMatchObject({
      match: "single",
      ownerId: "dana",
      queue: "billing",
      tier: "routing",
      tierReason: "attestation_absent",
    });
  });

  it("several open journeys give match=multiple", async () => {
    const { key } = await journeyWithStory("+14155550184");
    const second = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550184", "and my internet is down", { newJourney: true }),
      key,
    );
    await api(
      "PUT",
      `/v1/journeys/${second.body.journeyId}/status`,
      { status: "waiting_on_company" },
      key,
    );
    const res = await api("GET", "/v1/context?phone=%2B14155550184&audience=ivr", undefined, key);
    expect(res.body).toMatchObject({ match: "multiple", openJourneys: "2" });
  });

  it("the brief follows a status change at once", async () => {
    const { key, asserter, id } = await journeyWithStory("+14155550185");
    await api("PUT", `/v1/journeys/${id}/status`, { status: "waiting_on_customer" }, key);
    const res = await api(
      "GET",
      "/v1/context?phone=%2B14155550185&audience=agent&authenticated=session",
      undefined,
      asserter,
    );
    expect(res.body.status).toBe("waiting_on_customer");
  });

  it("Amazon Connect, Genesys and Twilio Studio get the same map from their own request shapes, by tier", async () => {
    const { ws, key, id } = await journeyWithStory("+14155550186");
    const connect = await api(
      "POST",
      `/hooks/${ws}/connect`,
      {
        Name: "ContactFlowEvent",
        Details: {
          ContactData: {
            ContactId: "c-1",
            CustomerEndpoint: { Address: "+14155550186", Type: "TELEPHONE_NUMBER" },
            Channel: "VOICE",
          },
          Parameters: {},
        },
      },
      key,
    );
    expect(connect.status).toBe(200);
    expect(connect.body).toMatchObject({ match: "single", journeyId: id });
    expect(connect.body).toMatchObject({ tier: "routing", tierReason: "attestation_absent" });
    const genesys = await api("POST", `/hooks/${ws}/genesys`, { phone: "+14155550186" }, key);
    expect(genesys.body).toEqual(connect.body);
    const bare = await api("GET", `/hooks/${ws}/studio?phone=%2B14155550186`, undefined, key);
    expect(bare.body).toEqual(connect.body);
    // Full attestation earns the neutral prompt and nothing more, on Genesys and Studio alike.
    const studio = await api(
      "GET",
      `/hooks/${ws}/studio?phone=%2B14155550186&stirVerstat=TN-Validation-Passed-A`,
      undefined,
      key,
    );
    expect(studio.body).toEqual({
      ...connect.body,
      tier: "prompt",
      tierReason: "attestation_A",
      sentence: "Are you calling about your recent request?",
    });
    const attested = { phone: "+14155550186", attestation: "A" };
    expect((await api("POST", `/hooks/${ws}/genesys`, attested, key)).body).toEqual(studio.body);
    const spoofable = await api(
      "GET",
      `/hooks/${ws}/studio?phone=%2B14155550186&stirVerstat=TN-Validation-Passed-C`,
      undefined,
      key,
    );
    expect(spoofable.body.verified).toBe("false");
    // Another workspace's key cannot use this workspace's hook.
    const other = await workspace();
    expectProblem(
      await api("POST", `/hooks/${ws}/genesys`, { phone: "+14155550186" }, other.key),
      404,
      "workspace_not_found",
    );
  });

  it("a Connect event gets a map under 1 KB for each match case: single, multiple, none", async () => {
    const { ws, key, asserter } = await journeyWithStory("+14155550189");
    const event = (phone: string) => ({
      Name: "ContactFlowEvent",
      Details: {
        ContactData: { CustomerEndpoint: { Address: phone, Type: "TELEPHONE_NUMBER" } },
        Parameters: {},
      },
    });
    const single = await api("POST", `/hooks/${ws}/connect`, event("+14155550189"), key);
    expect(single.body.match).toBe("single");
    await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550189", "another problem", { newJourney: true }),
      key,
    );
    const second = await api(
      "GET",
      "/v1/context?phone=%2B14155550189&audience=agent&authenticated=pin",
      undefined,
      asserter,
    );
    await api(
      "PUT",
      `/v1/journeys/${second.body.alternatives[0] ?? second.body.id}/status`,
      { status: "waiting_on_company" },
      key,
    );
    const multiple = await api("POST", `/hooks/${ws}/connect`, event("+14155550189"), key);
    expect(multiple.body.match).toBe("multiple");
    const none = await api("POST", `/hooks/${ws}/connect`, event("+14155550000"), key);
    expect(none.body).toMatchObject({ match: "none", queue: "front-desk" });
    const withheld = await api(
      "POST",
      `/hooks/${ws}/connect`,
      { Details: { ContactData: { CustomerEndpoint: null } } },
      key,
    );
    expect(withheld.body.match).toBe("none");
    for (const r of [single, multiple, none, withheld]) {
      expect(r.status).toBe(200);
      expect(bytes(r.body)).toBeLessThanOrEqual(1024);
      expect(Object.values(r.body).every((v) => typeof v === "string")).toBe(true);
    }
  });

  it("the lookup degrades to its fallback when it cannot finish in its budget", async () => {
    const never = new Promise<string>(() => undefined);
    expect(await withinBudget(never, 20, "fallback")).toBe("fallback");
    expect(await withinBudget(Promise.resolve("fast"), 1000, "fallback")).toBe("fast");
  });
});

describe("bot and agent context", () => {
  it("the bot pack of an authenticated caller is budgeted, fenced and available as chat-API messages", async () => {
    const { asserter } = await journeyWithStory("+14155550187");
    const json = await api(
      "GET",
      "/v1/context?phone=%2B14155550187&audience=bot&budget=300&authenticated=session",
      undefined,
      asserter,
    );
    expect(json.status).toBe(200);
    expect(json.body.tokens).toBeLessThanOrEqual(300);
    const openai = await api(
      "GET",
      "/v1/context?phone=%2B14155550187&audience=bot&format=openai&authenticated=session",
      undefined,
      asserter,
    );
    expect(openai.body.messages[0].role).toBe("system");
    const anthropic = await api(
      "GET",
      "/v1/context?phone=%2B14155550187&audience=bot&format=anthropic&authenticated=session",
      undefined,
      asserter,
    );
    expect(typeof anthropic.body.system).toBe("string");
    expect(anthropic.body.system + JSON.stringify(anthropic.body.messages)).toContain(
      "refund within 3 business days",
    );
  });

  it("the agent pack is the full structured context", async () => {
    const { key, id } = await journeyWithStory("+14155550188");
    const res = await api("GET", `/v1/context?journey=${id}&audience=agent`, undefined, key);
    expect(res.body).toMatchObject({ id, owner: { name: "Dana Reyes" } });
    expectProblem(
      await api("GET", "/v1/context?audience=agent", undefined, key),
      400,
      "invalid_query",
    );
    expectProblem(
      await api("GET", "/v1/context?phone=1&email=a@b.co", undefined, key),
      400,
      "invalid_query",
    );
  });
});
