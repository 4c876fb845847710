/**
 * Cloudflare Email Routing sends every address of a zone (catch-all) to the Worker, so the
 * recipient address must say which workspace a message is for:
 *
 * - `reply+<workspace>.<token>@<domain>` — Baton's reply addresses; the token is the journey's
 *   thread reference `reply:<workspace>.<token>`, and its prefix names the workspace;
 * - `<anything>+<workspace>@<domain>` — e.g. `support+acme@help.example.com`;
 * - `<workspace>@<domain>` — e.g. `acme@help.example.com`.
 *
 * Local parts are compared case-insensitively, as most mail systems do.
 */
const WORKSPACE = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The workspace a recipient address belongs to, or null when the address fits no scheme. */
export function workspaceFromRecipient(recipient: string): string | null {
  const at = recipient.lastIndexOf("@");
  if (at <= 0) return null;
  const local = recipient.slice(0, at).trim().toLowerCase();
  const plus = local.indexOf("+");
  let ws: string;
  if (plus === -1) ws = local;
  else if (local.startsWith("reply+") && local.includes(".", plus)) {
    ws = local.slice(plus + 1, local.indexOf(".", plus));
  } else ws = local.slice(plus + 1);
  return WORKSPACE.test(ws) ? ws : null;
}
