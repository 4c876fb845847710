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
          // Short key cache so the revocation test can observe the bound without long sleeps.
          KEY_CACHE_TTL_SECONDS: "1",
          // Workspaces named fault-… consult the test fault plan (src/faults.ts); never in wrangler.toml.
          FAULT_INJECTION: "fault-",
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
