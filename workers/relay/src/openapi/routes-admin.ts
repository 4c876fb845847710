import { WorkspaceSettingsPatch } from "@baton/core";
import * as z from "zod";
import { WorkspaceIdPattern } from "../http/validate";
import { KeyInput, WorkspaceInput } from "../routes/admin";
import * as R from "./responses";
import type { RouteDoc } from "./table";

const adminKey = { kind: "key", scope: "admin" } as const;
const admin = { kind: "admin" } as const;
const ws = { ws: z.string().regex(WorkspaceIdPattern) };
const keyCreated = {
  201: {
    description: "created: the full key appears only here",
    schema: R.KeyCreated,
    name: "KeyCreated",
  },
  200: {
    description: "re-imported with the same id and secret",
    schema: R.KeyCreated,
    name: "KeyCreated",
  },
};
const keyExamples = {
  ops: {
    summary: "A key with every scope of its workspace",
    value: { name: "ops", scopes: ["admin"] },
  },
};
const settingsExamples = {
  ivr: {
    summary: "The IVR's default queue and time zone",
    value: { ivr: { defaultQueue: "billing", timeZone: "America/New_York" } },
  },
};

/** A workspace's own keys and settings, and the bootstrap admin API. */
export const ADMIN_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/keys",
    operationId: "createKey",
    tag: "Keys and settings",
    summary: "Create a key in the caller's workspace",
    auth: adminKey,
    body: { name: "KeyInput", schema: KeyInput, examples: keyExamples },
    responses: keyCreated,
  },
  {
    method: "get",
    path: "/v1/keys",
    operationId: "listKeys",
    tag: "Keys and settings",
    summary: "List the workspace's keys",
    auth: adminKey,
    responses: {
      200: { description: "{ items: [key] } (never the secret)", schema: R.Items, name: "Items" },
    },
  },
  {
    method: "delete",
    path: "/v1/keys/:keyId",
    operationId: "revokeKey",
    tag: "Keys and settings",
    summary: "Revoke a key",
    description: "Isolates may keep accepting it for KEY_CACHE_TTL_SECONDS.",
    auth: adminKey,
    responses: { 200: { description: "the revoked key", schema: R.KeyView, name: "KeyView" } },
  },
  {
    method: "get",
    path: "/v1/settings",
    operationId: "getSettings",
    tag: "Keys and settings",
    summary: "Read the workspace's settings",
    auth: adminKey,
    responses: {
      200: { description: "the settings", schema: R.Settings, name: "SettingsView" },
    },
  },
  {
    method: "patch",
    path: "/v1/settings",
    operationId: "patchSettings",
    tag: "Keys and settings",
    summary: "Change the workspace's settings",
    description: "A deep merge: only the fields given change.",
    auth: adminKey,
    body: {
      name: "WorkspaceSettingsPatch",
      schema: WorkspaceSettingsPatch,
      examples: settingsExamples,
    },
    responses: {
      200: {
        description: "the settings after the change",
        schema: R.Settings,
        name: "SettingsView",
      },
    },
  },
  {
    method: "put",
    path: "/v1/admin/workspaces/:ws",
    operationId: "upsertWorkspace",
    tag: "Admin",
    summary: "Create or rename a workspace",
    auth: admin,
    params: ws,
    body: {
      name: "WorkspaceInput",
      schema: WorkspaceInput,
      examples: { acme: { summary: "A workspace", value: { name: "Acme" } } },
    },
    responses: {
      201: { description: "created", schema: R.Workspace, name: "Workspace" },
      200: { description: "renamed", schema: R.Workspace, name: "Workspace" },
    },
  },
  {
    method: "get",
    path: "/v1/admin/workspaces/:ws",
    operationId: "getWorkspace",
    tag: "Admin",
    summary: "Read a workspace",
    auth: admin,
    params: ws,
    responses: {
      200: {
        description: "the workspace with its settings",
        schema: R.Workspace,
        name: "Workspace",
      },
    },
  },
  {
    method: "patch",
    path: "/v1/admin/workspaces/:ws/settings",
    operationId: "adminPatchSettings",
    tag: "Admin",
    summary: "Change a workspace's settings",
    auth: admin,
    params: ws,
    body: {
      name: "WorkspaceSettingsPatch",
      schema: WorkspaceSettingsPatch,
      examples: settingsExamples,
    },
    responses: {
      200: {
        description: "the workspace after the change",
        schema: R.Workspace,
        name: "Workspace",
      },
    },
  },
  {
    method: "post",
    path: "/v1/admin/workspaces/:ws/keys",
    operationId: "adminCreateKey",
    tag: "Admin",
    summary: "Create a key in a workspace",
    auth: admin,
    params: ws,
    body: { name: "KeyInput", schema: KeyInput, examples: keyExamples },
    responses: keyCreated,
  },
  {
    method: "get",
    path: "/v1/admin/workspaces/:ws/keys",
    operationId: "adminListKeys",
    tag: "Admin",
    summary: "List a workspace's keys",
    auth: admin,
    params: ws,
    responses: { 200: { description: "{ items: [key] }", schema: R.Items, name: "Items" } },
  },
  {
    method: "delete",
    path: "/v1/admin/workspaces/:ws/keys/:keyId",
    operationId: "adminRevokeKey",
    tag: "Admin",
    summary: "Revoke a key in a workspace",
    auth: admin,
    params: ws,
    responses: { 200: { description: "the revoked key", schema: R.KeyView, name: "KeyView" } },
  },
];
