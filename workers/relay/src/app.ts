import { redactText } from "@baton/core";
import { Hono } from "hono";
import type { AppEnv } from "./env";
import { WIDGET_JS } from "./chat/widget";
import { consoleApp } from "./console";
import { embedLinks } from "./console/embed";
import { problem, problemResponse, ProblemError } from "./http/problem";
import { mcp } from "./mcp/route";
import { admin, keys, settings } from "./routes/admin";
import { analytics } from "./routes/analytics";
import { audit } from "./routes/audit";
import { chat } from "./routes/chat";
import { context } from "./routes/context";
import { customers } from "./routes/customers";
import { events } from "./routes/events";
import { customerErasure, erasures } from "./routes/erasure";
import { customerExport } from "./routes/export";
import { hooks } from "./routes/hooks";
import { ivrHooks } from "./routes/hooks-ivr";
import { journeys } from "./routes/journeys";
import { messages } from "./routes/messages";
import { webhooks } from "./routes/webhooks";
import { worklist } from "./routes/worklist";
import { reference } from "./openapi/serve";

/** The HTTP edge: one sub-app per surface, one error mapper, one not-found. */
export const app = new Hono<AppEnv>();

app.get("/", (c) => c.json({ name: "baton", docs: "see docs/api.md", health: "ok" }));
app.route("/v1/events", events);
app.route("/v1/journeys", journeys);
app.route("/v1/journeys", messages);
app.route("/v1/customers", customers);
app.route("/v1/customers", customerExport);
app.route("/v1/customers", customerErasure);
app.route("/v1/erasures", erasures);
app.route("/v1/context", context);
app.route("/v1/keys", keys);
app.route("/v1/settings", settings);
app.route("/v1/audit", audit);
app.route("/v1/admin", admin);
app.route("/v1/analytics", analytics);
app.route("/v1/worklist", worklist);
app.route("/v1/webhooks", webhooks);
app.route("/hooks/:workspace", ivrHooks);
app.route("/hooks/:workspace", hooks);
app.get("/chat/widget.js", (c) =>
  c.body(WIDGET_JS, 200, {
    "content-type": "application/javascript; charset=utf-8",
    "cache-control": "public, max-age=300",
    "access-control-allow-origin": "*",
  }),
);
app.route("/chat/:workspace", chat);
app.route("/mcp", mcp);
app.route("/console", consoleApp);
app.route("/v1/console/embed-links", embedLinks);
app.route("/", reference); // GET /openapi.json and GET /docs

app.notFound((c) =>
  problemResponse(c, problem(404, "not_found", "No such route", `${c.req.method} ${c.req.path}`)),
);

app.onError((e, c) => {
  if (e instanceof ProblemError) return problemResponse(c, e.problem);
  // A bug, or an object/D1 outage: never leak internals; 503 tells clients and providers to retry.
  // Card numbers never reach the logs either: a message may quote what the caller sent.
  console.error(
    redactText(`unhandled error on ${c.req.method} ${c.req.path}:`).text,
    redactText(String(e instanceof Error ? e.stack : e)).text,
  );
  return problemResponse(
    c,
    problem(
      503,
      "temporarily_unavailable",
      "Temporarily unavailable",
      "nothing was changed by this failure unless it says otherwise; retry with the same Idempotency-Key",
    ),
  );
});
