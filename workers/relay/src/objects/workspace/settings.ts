import { workspaceStub } from "../access";
import type { WorkspaceSettings } from "@baton/core";

interface Entry {
  settings: WorkspaceSettings | null;
  expiresAt: number;
}

/**
 * Workspace settings are cached per isolate for KEY_CACHE_TTL_SECONDS (the same bound as API
 * keys): webhooks and resolution read them on the hot path without an extra object hop.
 * A change made through this isolate is seen at once; other isolates see it within the TTL.
 */
const cache = new Map<string, Entry>();

/** The workspace's settings (with secrets), or null when the workspace does not exist. */
export async function workspaceSettings(
  env: Env,
  workspace: string,
): Promise<WorkspaceSettings | null> {
  const now = Date.now();
  const hit = cache.get(workspace);
  if (hit && hit.expiresAt > now) return hit.settings;
  const stub = workspaceStub(env, workspace);
  const settings = await stub.settings();
  const ttl = Number(env.KEY_CACHE_TTL_SECONDS) * 1000;
  if (ttl > 0 && settings) {
    if (cache.size > 10_000) cache.clear();
    cache.set(workspace, { settings, expiresAt: now + ttl });
  }
  return settings;
}

/** Drops a cached entry after this isolate changed the settings. */
export function forgetSettings(workspace: string): void {
  cache.delete(workspace);
}
