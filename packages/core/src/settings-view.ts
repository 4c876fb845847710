/**
 * Workspace settings as the API shows them. Apart from settings.ts because the view adds
 * outreach readiness (outreach.ts), and outreach.ts reads the settings type from settings.ts.
 */
import { outreachProblems } from "./outreach";
import type { WorkspaceSettings } from "./settings";

/** Provider fields that are secrets; every other provider field is shown as set. */
const SECRET_FIELDS = new Set(["authToken", "password", "signingKey", "serverToken", "apiKey"]);

/** Settings as the API shows them: secrets replaced by "(set)" when set. */
export function redactSettings(s: WorkspaceSettings): Record<string, unknown> {
  const providers: Record<string, unknown> = {};
  for (const [name, cfg] of Object.entries(s.providers)) {
    if (!cfg) continue;
    const shown: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg)) {
      shown[k] = SECRET_FIELDS.has(k) ? (v ? "(set)" : null) : v;
    }
    providers[name] = shown;
  }
  return {
    ...s,
    chatIdentitySecret: s.chatIdentitySecret ? "(set)" : null,
    providers,
    // What stops outreach from sending (docs/outreach.md): read-only, recomputed on each read.
    outreach: { ...s.outreach, problems: outreachProblems(s) },
  };
}
