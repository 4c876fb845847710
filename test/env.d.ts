import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the provider stand-ins started by test/providers/fake-providers.global.mjs. */
    fakeProviders: string;
    /** The credentials those stand-ins accept (FAKE_CREDENTIALS). */
    fakeProviderCredentials: {
      twilio: { accountSid: string; authToken: string };
      postmark: { serverToken: string };
      mailgun: { apiKey: string; domain: string };
      sendgrid: { apiKey: string };
    };
  }
}
