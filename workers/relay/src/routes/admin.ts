import { workspaceStub } from "../objects/access";
import { LIMITS, WorkspaceSettingsPatch, newSecret } from "@baton/core";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { requireAdminSecret, requireScope } from "../http/auth";
import { unwrap } from "../http/errors";
import { fail } from "../http/problem";
import { WorkspaceIdPattern, jsonBody, sha256Hex } from "../http/validate";
import { SCOPES } from "../objects/workspace/object";
import { forgetSettings } from "../objects/workspace/settings";
import { unwrapSettings } from "../secrets/settings-seal";
import { AdminAuditQuery, auditQuery, auditSource } from "./audit";

export const WorkspaceInput = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.labelChars),
});

export const KeyInput = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.labelChars),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    /** Import a key instead of generating one (setup scripts, secrets managers). */
    id: z
      .string()
      .regex(/^[0-9a-z]{12}$/, "12 characters of 0-9a-z")
      .optional(),
    secret: z
      .string()
      .regex(/^[0-9a-z]{40}$/, "40 characters of 0-9a-z")
      .optional(),
  })
  .refine((k) => (k.id === undefined) === (k.secret === undefined), {
    message: "give both id and secret, or neither",
  });

function wsParam(c: Context<AppEnv>): string {
  const ws = c.req.param("ws") ?? "";
  if (!WorkspaceIdPattern.test(ws)) {
    fail(
      400,
      "invalid_workspace_id",
      "Invalid workspace id",
      "2–63 characters of a-z, 0-9 and -, starting with a letter or digit",
    );
  }
  return ws;
}

const stub = (env: Env, ws: string) => workspaceStub(env, ws);

async function createKey(c: Context<AppEnv>, ws: string) {
  const input = await jsonBody(c, KeyInput);
  const id = input.id ?? newSecret(12);
  const secret = input.secret ?? newSecret(40);
  const hash = await sha256Hex(secret);
  const out = unwrap(
    await stub(c.env, ws).putKey(id, input.name, input.scopes, hash, auditSource(c)),
  );
  return c.json(
    { ...out.key, workspace: ws, key: `bk_${ws}.${id}.${secret}` },
    out.created ? 201 : 200,
  );
}

/** Bootstrap: the ADMIN_SECRET holder creates workspaces and their keys. */
export const admin = new Hono<AppEnv>();
admin.use("*", requireAdminSecret);

admin.put("/workspaces/:ws", async (c) => {
  const ws = wsParam(c);
  const { name } = await jsonBody(c, WorkspaceInput);
  const out = await stub(c.env, ws).upsert(ws, name, auditSource(c));
  return c.json(out.workspace, out.created ? 201 : 200);
});
admin.get("/workspaces/:ws", async (c) => {
  const ws = wsParam(c);
  return c.json(unwrap(await stub(c.env, ws).get()));
});
admin.patch("/workspaces/:ws/settings", async (c) => {
  const ws = wsParam(c);
  const patch = await jsonBody(c, WorkspaceSettingsPatch);
  const out = unwrapSettings(await stub(c.env, ws).patchSettings(patch, auditSource(c)));
  forgetSettings(ws);
  return c.json(out);
});
admin.post("/workspaces/:ws/keys", async (c) => createKey(c, wsParam(c)));
admin.get("/workspaces/:ws/keys", async (c) => {
  const ws = wsParam(c);
  unwrap(await stub(c.env, ws).get());
  return c.json({ items: await stub(c.env, ws).listKeys() });
});
admin.delete("/workspaces/:ws/keys/:keyId", async (c) => {
  const ws = wsParam(c);
  return c.json(unwrap(await stub(c.env, ws).revokeKey(c.req.param("keyId"), auditSource(c))));
});
admin.get("/workspaces/:ws/audit", async (c) => {
  const ws = wsParam(c);
  const q = auditQuery(c, AdminAuditQuery);
  unwrap(await stub(c.env, ws).get());
  return c.json(await stub(c.env, ws).audit(q));
});

/** Self-service for a workspace's own `admin`-scoped keys. */
export const keys = new Hono<AppEnv>();
keys.use("*", requireScope("admin"));
keys.post("/", async (c) => createKey(c, c.get("principal").workspace));

/** A workspace's own settings, for its `admin`-scoped keys. */
export const settings = new Hono<AppEnv>();
settings.use("*", requireScope("admin"));
settings.get("/", async (c) =>
  c.json(unwrap(await stub(c.env, c.get("principal").workspace).get()).settings),
);
settings.patch("/", async (c) => {
  const ws = c.get("principal").workspace;
  const patch = await jsonBody(c, WorkspaceSettingsPatch);
  const out = unwrapSettings(await stub(c.env, ws).patchSettings(patch, auditSource(c)));
  forgetSettings(ws);
  return c.json(out.settings);
});
keys.get("/", async (c) =>
  c.json({ items: await stub(c.env, c.get("principal").workspace).listKeys() }),
);
keys.delete("/:keyId", async (c) =>
  c.json(
    unwrap(
      await stub(c.env, c.get("principal").workspace).revokeKey(
        c.req.param("keyId"),
        auditSource(c),
      ),
    ),
  ),
);
