/**
 * multipart/form-data splitting that keeps each part's raw bytes.
 *
 * Why not `request.formData()`: it decodes every non-file part as UTF-8, and a windows-1252
 * byte such as 0x93 becomes U+FFFD before we can look at it. SendGrid's Inbound Parse sends
 * each field in the sender's charset and names it in the `charsets` field, so we need the
 * bytes. No library in the workspace exposes them, so this is boundary splitting only:
 * find `--boundary` delimiters, split each part's header block from its body, read the
 * `name`, `filename` and `Content-Type`. No transfer decoding (form-data has none), no nesting.
 */

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  /** The body bytes exactly as sent (a view into the request buffer, not a copy). */
  bytes: Uint8Array;
}

const MAX_PARTS = 1_000;
const MAX_PART_HEADER_BYTES = 16 * 1024;

/** The boundary parameter of a multipart Content-Type, or null. */
export function multipartBoundary(contentType: string | undefined | null): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2] ?? null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first ?? 0, from); i !== -1; i = hay.indexOf(first ?? 0, i + 1)) {
    if (i + needle.length > hay.length) return -1;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A header parameter such as `name="text"` (quoted or bare; `\"` unescaped). */
function param(header: string, key: string): string | null {
  const re = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
  const m = re.exec(header);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? null);
}

function parsePartHeaders(raw: string): Omit<FormPart, "bytes"> | null {
  let disposition = "";
  let contentType: string | null = null;
  for (const line of raw.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) return null;
  const name = param(disposition, "name");
  if (name === null) return null;
  return { name, filename: param(disposition, "filename"), contentType };
}

/**
 * Splits a multipart/form-data body. Returns null when the body is not well-formed (no
 * opening delimiter, a part without headers or a name, no closing delimiter, too many parts).
 */
export function splitMultipart(body: Uint8Array, boundary: string): FormPart[] | null {
  const enc = new TextEncoder();
  const open = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const headerEnd = enc.encode("\r\n\r\n");
  // The preamble before the first delimiter is ignored (RFC 2046 §5.1.1).
  const start = indexOf(body, open, 0);
  if (start === -1) return null;
  const parts: FormPart[] = [];
  let pos = start + open.length;
  const latin1 = new TextDecoder("latin1");
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise CRLF starts the next part.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    // RFC 2046 allows transport padding (spaces, tabs) between a delimiter and its CRLF.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) return null;
    const headersAt = pos + 2;
    const blank = indexOf(body, headerEnd, headersAt);
    if (blank === -1 || blank - headersAt > MAX_PART_HEADER_BYTES) return null;
    // Header bytes are ASCII; a latin1 read never throws and keeps any stray byte visible.
    const headers = parsePartHeaders(latin1.decode(body.subarray(headersAt, blank)));
    if (!headers) return null;
    const next = indexOf(body, delimiter, blank + 4);
    if (next === -1) return null;
    parts.push({ ...headers, bytes: body.subarray(blank + 4, next) });
    if (parts.length > MAX_PARTS) return null;
    pos = next + delimiter.length;
  }
}
