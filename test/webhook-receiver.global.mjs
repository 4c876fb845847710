// A real webhook receiver for test/webhooks-out.test.ts, started once by vitest (globalSetup) in
// Node, outside workerd: the relay's WebhooksObject delivers to it over loopback HTTP.
//
// It verifies every delivery with the official Standard Webhooks library (`standardwebhooks`,
// a devDependency used only here), so a passing test means a receiver using the specification's
// own code accepts what Baton sends.
//
//   POST /hook/<name>             a delivery: recorded, then answered per the path's mode
//   POST /control/<name>          JSON { down?: boolean, status?: number, retryAfter?: string,
//                                 secrets?: string[] } sets the path's mode (merged)
//   GET  /control/<name>          { requests: [...] } every delivery recorded for the path
//   DELETE /control/<name>        forgets the path's mode and requests
//
// A path answers 204 while up; 503 (or `status`) while down. When `secrets` are set, a delivery
// that verifies with none of them is answered 401 (a real receiver would refuse it too). Every
// recorded request lists, per configured secret, whether the library accepted the signature.
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

/** @typedef {{ down: boolean, status: number, retryAfter: string | null, secrets: string[] }} Mode */

/** @type {Map<string, Mode>} */
const modes = new Map();
/** @type {Map<string, object[]>} */
const requests = new Map();

/** @param {string} name @returns {Mode} */
function modeOf(name) {
  return modes.get(name) ?? { down: false, status: 503, retryAfter: null, secrets: [] };
}

/** @param {import("node:http").IncomingMessage} req @returns {Promise<string>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

/** @param {Record<string, string | string[] | undefined>} raw @returns {Record<string, string>} */
function flatHeaders(raw) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** @param {string} secret @param {string} body @param {Record<string, string>} headers */
function verifyWith(secret, body, headers) {
  try {
    new Webhook(secret).verify(body, headers);
    return { secret, ok: true, error: null };
  } catch (e) {
    return { secret, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} [json] */
function reply(res, status, json) {
  if (json === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(json));
}

const server = createServer((req, res) => {
  readBody(req).then(
    (body) => {
      const url = new URL(req.url ?? "/", "http://receiver");
      const [, kind, name] = url.pathname.split("/");
      if (!name) return reply(res, 404, { error: "no such path" });
      if (kind === "hook" && req.method === "POST") {
        const headers = flatHeaders(req.headers);
        const mode = modeOf(name);
        const verifications = mode.secrets.map((s) => verifyWith(s, body, headers));
        const list = requests.get(name) ?? [];
        const refused = verifications.length > 0 && !verifications.some((v) => v.ok);
        const status = mode.down ? mode.status : refused ? 401 : 204;
        list.push({ headers, body, receivedAt: Date.now(), verifications, answered: status });
        requests.set(name, list);
        if (mode.down && mode.retryAfter !== null) res.setHeader("retry-after", mode.retryAfter);
        return reply(res, status);
      }
      if (kind === "control") {
        if (req.method === "POST") {
          const patch = body ? JSON.parse(body) : {};
          modes.set(name, { ...modeOf(name), ...patch });
          return reply(res, 200, modeOf(name));
        }
        if (req.method === "GET") return reply(res, 200, { requests: requests.get(name) ?? [] });
        if (req.method === "DELETE") {
          modes.delete(name);
          requests.delete(name);
          return reply(res, 204);
        }
      }
      return reply(res, 404, { error: "no such path" });
    },
    (e) => reply(res, 500, { error: String(e) }),
  );
});

/** Vitest globalSetup: start the receiver, hand its base URL to the tests, stop it afterwards. */
export default async function setup(project) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("receiver has no port");
  project.provide("webhookReceiver", `http://127.0.0.1:${address.port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  };
}
