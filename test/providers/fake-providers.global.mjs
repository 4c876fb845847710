// Vitest globalSetup: starts the provider stand-ins (fake-providers.mjs) once, in Node, and hands
// their base URL and credentials to the tests: inject("fakeProviders") and
// inject("fakeProviderCredentials") (declared in test/env.d.ts).
import { FAKE_CREDENTIALS, startFakeProviders } from "./fake-providers.mjs";

export default async function setup(project) {
  const fake = await startFakeProviders({ credentials: FAKE_CREDENTIALS });
  project.provide("fakeProviders", fake.url);
  project.provide("fakeProviderCredentials", FAKE_CREDENTIALS);
  return () => fake.close();
}
