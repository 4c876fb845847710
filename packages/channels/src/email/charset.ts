/**
 * Decodes bytes with a charset label as a mail provider names it ("UTF-8", "iso-8859-1",
 * "windows-1252", "us-ascii", …).
 *
 * workerd's TextDecoder implements the WHATWG Encoding Standard's legacy encodings: the labels
 * "iso-8859-1", "latin1" and "us-ascii" all map to windows-1252, so 0x80 decodes to "€" and
 * 0x93/0x94 to curly quotes, which is what senders who say "iso-8859-1" actually mean
 * (charset.test.ts proves it with the real bytes). An unknown label falls back to UTF-8 with
 * replacement characters: a readable message with a few "�" beats rejecting the email.
 */
export function decodeCharset(bytes: Uint8Array, label: string | undefined): string {
  const wanted = (label ?? "").trim().toLowerCase() || "utf-8";
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(wanted);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes);
}
