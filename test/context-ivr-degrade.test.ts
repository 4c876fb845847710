import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../workers/relay/src/app";
import { api, smsFrom, workspace } from "./helpers";

/**
 * An IDENTITY namespace whose objects fail the way an overloaded or broken object does (the
 * runtime rejects the call). Everything else (auth, settings) uses the real bindings.
 */
function failingIdentity(): Env["IDENTITY"] {
  const fail = () => {
    const e = new Error("Durable Object is overloaded. Too many requests queued.");
    Object.assign(e, { overloaded: true, retryable: true });
    return Promise.reject(e);
  };
  const stub = { context: fail, lookup: fail, claim: fail, thread: fail };
  const ns = {
    idFromName: (name: string) => env.IDENTITY.idFromName(name),
    get: () => stub,
  };
  return ns as unknown as Env["IDENTITY"];
}

async function call(method: string, path: string, key: string, body?: unknown) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await app.request(path, init, { ...env, IDENTITY: failingIdentity() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("IVR lookup when the caller's object fails", () => {
  it("answers the match=none map (200, degraded=unavailable), never a 5xx", async () => {
    const { ws, key } = await workspace();
    // A known caller, so a working lookup would match.
    expect((await api("POST", "/v1/events", smsFrom("+14155550190", "hello"), key)).status).toBe(
      201,
    );
    const none = {
      match: "none",
      queue: "general",
      verified: "false",
      degraded: "unavailable",
    };
    const ivr = await call("GET", "/v1/context?phone=%2B14155550190&audience=ivr", key);
    expect(ivr.status).toBe(200);
    expect(ivr.body).toMatchObject(none);
    expect(ivr.body.journeyId).toBeUndefined();

    const connect = await call("POST", `/hooks/${ws}/connect`, key, {
      Details: {
        ContactData: { CustomerEndpoint: { Address: "+14155550190", Type: "TELEPHONE_NUMBER" } },
      },
    });
    expect(connect.status).toBe(200);
    expect(connect.body).toMatchObject(none);

    const genesys = await call("POST", `/hooks/${ws}/genesys`, key, { phone: "+14155550190" });
    expect(genesys.status).toBe(200);
    expect(genesys.body).toMatchObject(none);

    const studio = await call("GET", `/hooks/${ws}/studio?phone=%2B14155550190`, key);
    expect(studio.status).toBe(200);
    expect(studio.body).toMatchObject(none);
  });

  it("other audiences still report the failure (503), since they have no fallback answer", async () => {
    const { key } = await workspace();
    const agent = await call("GET", "/v1/context?phone=%2B14155550191&audience=agent", key);
    expect(agent.status).toBe(503);
    expect(agent.body.code).toBe("temporarily_unavailable");
  });

  it("the working lookup is not degraded", async () => {
    const { key } = await workspace();
    await api("POST", "/v1/events", smsFrom("+14155550192", "hello"), key);
    const ok = await api("GET", "/v1/context?phone=%2B14155550192&audience=ivr", undefined, key);
    expect(ok.status).toBe(200);
    expect(ok.body.degraded).toBeUndefined();
    expect(ok.body.match).toBe("single");
  });
});
