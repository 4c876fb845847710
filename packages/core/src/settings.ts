import { z } from "zod";

const secret = z.string().min(8).max(512);

/**
 * Per-workspace settings. Secrets are write-only through the API: reads show whether each is
 * set, never its value. Absent providers mean that provider's webhooks answer 404.
 */
export const WorkspaceSettings = z.strictObject({
  /** ISO 3166 region used to read national phone numbers, e.g. "US", "GB". */
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be a two-letter region code, e.g. US")
    .default("US"),
  /** A customer who returns within this many hours of a resolution continues that journey. */
  reopenWindowHours: z.number().int().min(0).max(2160).default(72),
  /** Treat Gmail addresses that differ only in dots or +tags as one address. */
  gmailDots: z.boolean().default(false),
  /** Secret for web chat identity: HMAC-SHA256 of the user id, or HS256 JWTs. */
  chatIdentitySecret: secret.optional(),
  /** The public base URL providers call (for signature checks behind proxies), no trailing slash. */
  publicBaseUrl: z
    .url()
    .regex(/^https?:\/\/[^/]+(\/.*[^/])?$/, "no trailing slash")
    .optional(),
  providers: z
    .strictObject({
      twilio: z.strictObject({ authToken: secret }).optional(),
      postmark: z
        .strictObject({ username: z.string().min(1).max(200), password: secret })
        .optional(),
      mailgun: z.strictObject({ signingKey: secret }).optional(),
      sendgrid: z
        .strictObject({ username: z.string().min(1).max(200), password: secret })
        .optional(),
    })
    .default({}),
});
export type WorkspaceSettings = z.output<typeof WorkspaceSettings>;

/** A partial update: top-level fields replace; `providers.<name>: null` removes a provider. */
export const WorkspaceSettingsPatch = z.strictObject({
  defaultRegion: WorkspaceSettings.shape.defaultRegion.unwrap().optional(),
  reopenWindowHours: WorkspaceSettings.shape.reopenWindowHours.unwrap().optional(),
  gmailDots: z.boolean().optional(),
  chatIdentitySecret: secret.nullable().optional(),
  publicBaseUrl: WorkspaceSettings.shape.publicBaseUrl.unwrap().nullable().optional(),
  providers: z
    .strictObject({
      twilio: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.twilio.unwrap()
        .nullable()
        .optional(),
      postmark: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.postmark.unwrap()
        .nullable()
        .optional(),
      mailgun: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.mailgun.unwrap()
        .nullable()
        .optional(),
      sendgrid: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.sendgrid.unwrap()
        .nullable()
        .optional(),
    })
    .optional(),
});
export type WorkspaceSettingsPatch = z.output<typeof WorkspaceSettingsPatch>;

/** Applies a patch to settings, returning new settings (validated). */
export function applySettingsPatch(
  current: WorkspaceSettings,
  patch: WorkspaceSettingsPatch,
): WorkspaceSettings {
  const next: Record<string, unknown> = { ...current, providers: { ...current.providers } };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "providers" || v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  const providers = next.providers as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch.providers ?? {})) {
    if (v === undefined) continue;
    if (v === null) delete providers[k];
    else providers[k] = v;
  }
  return WorkspaceSettings.parse(next);
}

/** Settings as the API shows them: secrets replaced by `true` when set. */
export function redactSettings(s: WorkspaceSettings): Record<string, unknown> {
  const providers: Record<string, unknown> = {};
  for (const [name, cfg] of Object.entries(s.providers)) {
    if (!cfg) continue;
    const shown: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg)) shown[k] = k === "username" ? v : v ? "(set)" : null;
    providers[name] = shown;
  }
  return {
    ...s,
    chatIdentitySecret: s.chatIdentitySecret ? "(set)" : null,
    providers,
  };
}
