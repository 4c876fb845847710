/** The workspace object's expected failures (http/errors.ts maps them to problems). */
export type WorkspaceError =
  | { code: "workspace_not_found" }
  | { code: "key_not_found"; id: string }
  | { code: "key_conflict"; id: string };
