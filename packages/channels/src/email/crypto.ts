const enc = new TextEncoder();

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex SHA-256 of bytes or a string. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** Hex HMAC-SHA256 of `message` under `key`, as Mailgun computes its webhook signature. */
export async function hmacSha256Hex(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    enc.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", k, enc.encode(message)));
}

/**
 * Compares two secrets in time independent of where they differ: both are hashed first, so
 * neither the position of the first difference nor the length of the secret leaks.
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  const x = new Uint8Array(ha);
  const y = new Uint8Array(hb);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Checks an `Authorization: Basic …` header against the configured credentials. Postmark and
 * SendGrid send the credentials embedded in the webhook URL this way. Both parts are always
 * compared, so a wrong user name takes as long as a wrong password.
 */
export async function basicAuthMatches(
  header: string | undefined | null,
  username: string,
  password: string,
): Promise<boolean> {
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? "");
  if (!m?.[1]) return false;
  let decoded: string;
  try {
    const bin = atob(m[1]);
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(bin, (c) => c.charCodeAt(0)),
    );
  } catch {
    return false;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const [userOk, passOk] = await Promise.all([
    timingSafeEqual(decoded.slice(0, colon), username),
    timingSafeEqual(decoded.slice(colon + 1), password),
  ]);
  return userOk && passOk;
}
