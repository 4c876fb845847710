import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, workspace } from "./helpers";

describe("workspace settings", () => {
  it("have defaults, take patches, and never show secrets", async () => {
    const { ws, key } = await workspace(["admin"]);
    const initial = await api("GET", "/v1/settings", undefined, key);
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      defaultRegion: "US",
      reopenWindowHours: 72,
      gmailDots: false,
      chatIdentitySecret: null,
    });
    const patched = await api(
      "PATCH",
      `/v1/admin/workspaces/${ws}/settings`,
      {
        defaultRegion: "GB",
        providers: { twilio: { authToken: "twilio-secret-token" } },
        chatIdentitySecret: "chat-secret-123",
      },
      ADMIN,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toMatchObject({
      defaultRegion: "GB",
      chatIdentitySecret: "(set)",
      providers: { twilio: { authToken: "(set)" } },
    });
    expect(JSON.stringify(patched.body)).not.toContain("twilio-secret-token");
    const removed = await api(
      "PATCH",
      "/v1/settings",
      { providers: { twilio: null }, chatIdentitySecret: null },
      key,
    );
    expect(removed.body).toMatchObject({
      providers: {},
      chatIdentitySecret: null,
      defaultRegion: "GB",
    });
  });

  it("reject bad values naming the field and change nothing", async () => {
    const { key } = await workspace(["admin"]);
    const bad = await api(
      "PATCH",
      "/v1/settings",
      { defaultRegion: "usa", reopenWindowHours: -1 },
      key,
    );
    expectProblem(bad, 422, "validation_failed");
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual([
      "defaultRegion",
      "reopenWindowHours",
    ]);
    const after = await api("GET", "/v1/settings", undefined, key);
    expect(after.body.defaultRegion).toBe("US");
    const noScope = await workspace(["journeys:read"]);
    expectProblem(
      await api("GET", "/v1/settings", undefined, noScope.key),
      403,
      "insufficient_scope",
    );
  });
});

describe("outreach settings", () => {
  const SID = `AC${"0123456789abcdef".repeat(2)}`;

  it("refuse a template with an unknown variable, naming it, and change nothing", async () => {
    const { key } = await workspace(["admin"]);
    const good = await api(
      "PATCH",
      "/v1/settings",
      {
        outreach: {
          customerUpdates: ["promise.kept"],
          templates: { "promise.kept": { en: { sms: "Done: {promise}. Ref {journey}" } } },
        },
      },
      key,
    );
    expect(good.status).toBe(200);
    expect(good.body.outreach).toMatchObject({
      customerUpdates: ["promise.kept"],
      quietHours: { from: "21:00", to: "08:00" },
      templates: { "promise.kept": { en: { sms: "Done: {promise}. Ref {journey}" } } },
    });
    const bad = await api(
      "PATCH",
      "/v1/settings",
      {
        outreach: {
          customerUpdates: ["promise.broken"],
          templates: { "promise.kept": { fr: { sms: "Fait : {promesse}" } } },
        },
      },
      key,
    );
    expectProblem(bad, 422, "validation_failed");
    const errors = bad.body.errors as { path: string; message: string }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toContain("templates");
    expect(errors[0]?.message).toContain("unknown variable {promesse}");
    expect(errors[0]?.message).toContain("promise.kept");
    const unbalanced = await api(
      "PATCH",
      "/v1/settings",
      { outreach: { templates: { "exception.raised": { en: { email: "About {reason" } } } } },
      key,
    );
    expectProblem(unbalanced, 422, "validation_failed");
    const after = await api("GET", "/v1/settings", undefined, key);
    expect(after.body.outreach).toEqual(good.body.outreach);
  });

  it("take sending credentials and read them back as (set)", async () => {
    const { key } = await workspace(["admin"]);
    const patched = await api(
      "PATCH",
      "/v1/settings",
      {
        providers: {
          twilio: { authToken: "twilio-secret-token", accountSid: SID },
          postmark: { username: "hook", password: "postmark-pass", serverToken: "pm-server-token" },
          mailgun: {
            signingKey: "mg-signing-key",
            apiKey: "mg-private-api-key",
            domain: "mg.example.com",
            apiBaseUrl: "https://api.eu.mailgun.net",
          },
        },
        outreach: { email: { provider: "mailgun", from: "care@example.com" } },
      },
      key,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.providers).toEqual({
      twilio: { authToken: "(set)", accountSid: SID },
      postmark: { username: "hook", password: "(set)", serverToken: "(set)" },
      mailgun: {
        signingKey: "(set)",
        apiKey: "(set)",
        domain: "mg.example.com",
        apiBaseUrl: "https://api.eu.mailgun.net",
      },
    });
    const read = await api("GET", "/v1/settings", undefined, key);
    for (const secret of ["pm-server-token", "mg-private-api-key", "twilio-secret-token"])
      expect(JSON.stringify(read.body)).not.toContain(secret);
    // A plain-http API base outside localhost is refused, and nothing changes.
    const bad = await api(
      "PATCH",
      "/v1/settings",
      {
        providers: {
          twilio: { authToken: "twilio-secret-token", apiBaseUrl: "http://api.example.com" },
        },
      },
      key,
    );
    expectProblem(bad, 422, "validation_failed");
    const again = await api("GET", "/v1/settings", undefined, key);
    expect(again.body.providers).toEqual(patched.body.providers);
  });
});
