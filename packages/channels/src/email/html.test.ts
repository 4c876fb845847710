import { describe, expect, it } from "vitest";
import { htmlToText } from "./html";

describe("HTML to text", () => {
  it("drops scripts, styles and comments, and turns block tags into lines", () => {
    expect(
      htmlToText(
        "<html><head><title>t</title><style>p{color:red}</style></head><body>" +
          "<!-- hidden --><p>Hello&nbsp;<b>Jane</b></p><script>alert(1)</script>" +
          "<ul><li>one</li><li>two</li></ul>line<br/>break &#x20AC;5 &lt;ok&gt;</body></html>",
      ),
    ).toBe("Hello Jane\n\n- one\n- two\nline\nbreak €5 <ok>");
  });

  it("stays linear on hostile input (unclosed openers, stray angle brackets)", () => {
    const started = Date.now();
    expect(htmlToText(`ok${"<script".repeat(50_000)}`)).toBe("ok");
    expect(htmlToText(`ok<!--${"<!--".repeat(50_000)}`)).toBe("ok");
    expect(htmlToText("<".repeat(500_000)).length).toBe(500_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
