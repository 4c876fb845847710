import { expect, inject } from "vitest";

/** A request the provider stand-in (test/providers/fake-providers.mjs) recorded. */
export interface Recorded {
  provider: string;
  contentType: string;
  headers: Record<string, string>;
  fields: Record<string, unknown>;
  authOk: boolean | null;
  answered: number;
  injected: boolean;
}

let spaces = 0;

/**
 * A namespace on the stand-in: its base URL (a provider's `apiBaseUrl`), and its control
 * calls. Each test takes its own, so its requests and injected failures are its own.
 */
export function space(prefix = "o") {
  const root = inject("fakeProviders");
  const ns = `${prefix}${Date.now().toString(36)}${spaces++}`;
  return {
    base: `${root}/ns/${ns}`,
    async fail(provider: string, status: number, count = 1): Promise<void> {
      const res = await fetch(`${root}/_control/fail`, {
        method: "POST",
        body: JSON.stringify({ provider, status, count, ns }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    },
    async requests(provider: string): Promise<Recorded[]> {
      const res = await fetch(`${root}/_control/requests?provider=${provider}&ns=${ns}`);
      return ((await res.json()) as { requests: Recorded[] }).requests;
    },
  };
}
