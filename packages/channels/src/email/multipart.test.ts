import { describe, expect, it } from "vitest";
import { decodeCharset } from "./charset";
import { multipartBoundary, splitMultipart } from "./multipart";

const enc = new TextEncoder();

/** Concatenates strings (as ASCII/UTF-8) and raw byte arrays into one body. */
function bytes(...pieces: (string | number[])[]): Uint8Array {
  const chunks = pieces.map((p) => (typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// "café – “quoted”" in windows-1252: é=E9, en dash=96, curly quotes=93/94.
const CP1252 = [
  0x63, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94,
];

describe("charset decoding in workerd", () => {
  it("decodes windows-1252 and treats iso-8859-1 as windows-1252 (WHATWG)", () => {
    const sample = Uint8Array.from([...CP1252, 0x80]);
    expect(decodeCharset(sample, "windows-1252")).toBe("café – “quoted”€");
    expect(decodeCharset(sample, "iso-8859-1")).toBe("café – “quoted”€");
    expect(decodeCharset(sample, "ISO-8859-1")).toBe("café – “quoted”€");
    expect(decodeCharset(Uint8Array.from([0x80]), "us-ascii")).toBe("€");
  });

  it("decodes UTF-8, and falls back to UTF-8 for an unknown label", () => {
    const utf8 = enc.encode("café – “quoted”");
    expect(decodeCharset(utf8, "UTF-8")).toBe("café – “quoted”");
    expect(decodeCharset(utf8, "x-no-such-charset")).toBe("café – “quoted”");
    expect(decodeCharset(utf8, undefined)).toBe("café – “quoted”");
  });
});

describe("multipart/form-data splitting", () => {
  it("reads the boundary from the Content-Type, quoted or not", () => {
    expect(multipartBoundary("multipart/form-data; boundary=xYzZY")).toBe("xYzZY");
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe("a b:c");
    expect(multipartBoundary("application/json")).toBeNull();
    expect(multipartBoundary("multipart/form-data")).toBeNull();
  });

  it("keeps each part's raw bytes, so a windows-1252 field survives", () => {
    const body = bytes(
      "preamble\r\n--xYzZY\r\n",
      'Content-Disposition: form-data; name="text"\r\n\r\n',
      CP1252,
      "\r\n--xYzZY\r\n",
      'Content-Disposition: form-data; name="charsets"\r\n\r\n',
      '{"text":"iso-8859-1"}',
      "\r\n--xYzZY\r\n",
      'Content-Disposition: form-data; name="attachment1"; filename="r\\"1.pdf"\r\n',
      "Content-Type: application/pdf\r\n\r\n",
      [0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x2d, 0x2d],
      "\r\n--xYzZY--\r\n",
    );
    const parts = splitMultipart(body, "xYzZY");
    expect(parts?.map((p) => p.name)).toEqual(["text", "charsets", "attachment1"]);
    const [text, charsets, file] = parts ?? [];
    expect(Array.from(text?.bytes ?? [])).toEqual(CP1252);
    expect(decodeCharset(text?.bytes ?? new Uint8Array(), "iso-8859-1")).toBe("café – “quoted”");
    expect(new TextDecoder().decode(charsets?.bytes)).toBe('{"text":"iso-8859-1"}');
    expect(file).toMatchObject({ filename: 'r"1.pdf', contentType: "application/pdf" });
    // A CRLF and "--" inside a part's body are content, not a delimiter.
    expect(file?.bytes.byteLength).toBe(8);
  });

  it("accepts an empty part and transport padding after a delimiter", () => {
    const body = bytes(
      "--b  \r\n",
      'Content-Disposition: form-data; name="empty"\r\n\r\n',
      "\r\n--b--",
    );
    const parts = splitMultipart(body, "b");
    expect(parts).toHaveLength(1);
    expect(parts?.[0]?.bytes.byteLength).toBe(0);
  });

  it("rejects bodies that are not well-formed", () => {
    const part = 'Content-Disposition: form-data; name="a"\r\n\r\nvalue';
    expect(splitMultipart(bytes("no delimiter at all"), "b")).toBeNull();
    expect(splitMultipart(bytes(`--b\r\n${part}`), "b")).toBeNull(); // never closed
    expect(
      splitMultipart(bytes("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"), "b"),
    ).toBeNull();
    expect(splitMultipart(bytes(`--b\r\n${part}\r\n--b--`), "b")).toHaveLength(1);
  });
});
