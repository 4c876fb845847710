/** Console errors: an HTML page for browsers, problem+json for scripts. */
import type { Context } from "hono";
import type { ConsoleEnv } from "./context";
import { html, Page } from "./layout";

/** An error as HTML for browsers, problem+json for scripts (`Accept: application/json`). */
export function errorPage(
  c: Context<ConsoleEnv>,
  status: number,
  title: string,
  detail?: string,
  code = "console_error",
): Response {
  const accept = c.req.header("accept") ?? "";
  if (!accept.includes("text/html") && /json/.test(accept)) {
    return c.body(
      JSON.stringify({ type: `urn:baton:problem:${code}`, title, status, code, detail }),
      status as 400,
      { "content-type": "application/problem+json" },
    );
  }
  return html(
    c,
    <Page c={c} title={title}>
      <h1>{title}</h1>
      {detail ? <p class="text">{detail}</p> : null}
      <p class="muted small">
        Status {status} · <code>{code}</code>
      </p>
    </Page>,
    status,
  );
}
