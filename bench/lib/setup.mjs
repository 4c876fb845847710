// What every bench process sets up in a fresh relay: the `bench` workspace, a known admin
// key, Twilio configured, and the hot journey (as scripts/dev.mjs does). Shared by
// bench/run.mjs and bench/profile.mjs so both measure the same state.
import { expectOk } from "./api.mjs";

export const ADMIN_SECRET = "bench-admin-secret";
export const WS = "bench";
export const KEY = `bk_${WS}.benchkey0001.${"b".repeat(40)}`;
export const TWILIO_TOKEN = "bench-twilio-auth-token-0123456789";
export const PUBLIC_BASE = "https://baton.bench.test";
export const HOT_PHONE = "+14155550100";
export const SMS_PATH = `/hooks/${WS}/twilio/sms`;
export const IVR_PATH = `/v1/context?phone=${encodeURIComponent(HOT_PHONE)}&audience=ivr`;

/** Amazon Connect's Lambda event as the forwarding Lambda in docs/ivr.md passes it on. */
export const CONNECT_BODY = {
  Name: "ContactFlowEvent",
  Details: {
    ContactData: {
      Channel: "VOICE",
      ContactId: "bench-contact-{n}",
      InitialContactId: "bench-contact-{n}",
      CustomerEndpoint: { Address: HOT_PHONE, Type: "TELEPHONE_NUMBER" },
      SystemEndpoint: { Address: "+14155550000", Type: "TELEPHONE_NUMBER" },
      InitiationMethod: "INBOUND",
    },
    Parameters: {},
  },
};

/**
 * Creates the workspace, the key and the Twilio settings, then the hot journey from
 * HOT_PHONE's first message. Resolves to `{ hot, settings }` (`settings` is the raw answer of
 * the settings PATCH, so a caller can report why Twilio is not configured).
 */
export async function setupWorkspace(call) {
  expectOk(
    await call("PUT", `/v1/admin/workspaces/${WS}`, {
      token: ADMIN_SECRET,
      body: { name: "Bench" },
    }),
    "creating the workspace",
  );
  const [, keyId, secret] = /^bk_[^.]+\.([^.]+)\.(.+)$/.exec(KEY);
  expectOk(
    await call("POST", `/v1/admin/workspaces/${WS}/keys`, {
      token: ADMIN_SECRET,
      body: { name: "bench", scopes: ["admin"], id: keyId, secret },
    }),
    "creating the key",
  );
  const settings = await call("PATCH", `/v1/admin/workspaces/${WS}/settings`, {
    token: ADMIN_SECRET,
    body: { publicBaseUrl: PUBLIC_BASE, providers: { twilio: { authToken: TWILIO_TOKEN } } },
  });
  const first = expectOk(
    await call("POST", "/v1/events", {
      token: KEY,
      body: {
        identifiers: [{ type: "phone", value: HOT_PHONE }],
        channel: "sms",
        direction: "inbound",
        actor: { kind: "customer" },
        text: "I was charged twice for March",
      },
    }),
    "creating the hot journey",
  );
  return { hot: first.journeyId, settings };
}
