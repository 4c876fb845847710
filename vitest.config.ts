import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          ADMIN_SECRET: "test-admin-secret",
          // Test-only values (docs/privacy.md "Secrets"): t2 is current, t1 an earlier key that
          // test/secrets.test.ts seals with to check re-sealing.
          CHAT_SESSION_SECRET: "test-chat-session-secret-0123456789abcdef",
          REPLY_TOKEN_SECRET: "test-reply-token-secret-0123456789abcdef",
          SETTINGS_KEYS:
            "t2:Cxp8uqy+FDed4urKgcj+lYVo7zRaMyowhdgnB93j8tM=,t1:MPMx/5wlWPeVK5JS7lbopnjK858AP/6/zUFo8XicZXE=",
          // Short key cache so the revocation test can observe the bound without long sleeps.
          KEY_CACHE_TTL_SECONDS: "1",
          // Workspaces named fault-… consult the test fault plan (src/faults.ts); never in wrangler.toml.
          FAULT_INJECTION: "fault-",
          // Rate limits (src/http/ratelimit.ts): check every request exactly (this runtime's
          // limiter takes no delta), and give workspaces named rl-… the small limits below.
          RATE_LIMIT_CHECK_MS: "0",
          RATE_LIMIT_TEST_PREFIX: "rl-",
        },
        // Test-only limiters for rl-… workspaces (test/rate-limits.test.ts); periods as in wrangler.toml.
        ratelimits: {
          RATE_LIMIT_TEST_KEY: { namespace_id: "9901", simple: { limit: 3, period: 10 } },
          RATE_LIMIT_TEST_WORKSPACE: { namespace_id: "9902", simple: { limit: 5, period: 10 } },
          RATE_LIMIT_TEST_HOOKS: { namespace_id: "9903", simple: { limit: 3, period: 60 } },
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts", "packages/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // A real webhook receiver on loopback for test/webhooks-out.test.ts (Node, outside workerd).
    // Stand-ins for the outbound provider APIs (Twilio, Postmark, Mailgun, SendGrid) on loopback.
    globalSetup: [
      "./test/webhook-receiver.global.mjs",
      "./test/providers/fake-providers.global.mjs",
    ],
    testTimeout: 30_000,
  },
}));
