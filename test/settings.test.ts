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
