import { err, type Result, type Verification, type WorkspaceSettings } from "@baton/core";
import type { MergeOutcome } from "../identity/merge";
import type { PendingLinkView } from "../objects/customer/types";
import type { JourneyError, WriteOutcome } from "../objects/journey/types";

/** The ingest steps' shared types and refusals (pipeline.ts shows the steps in order). */

/** What the steps share: the request's workspace and its settings. */
export interface IngestContext {
  env: Env;
  workspace: string;
  settings: WorkspaceSettings | null;
}

export interface IngestOptions {
  /** Where identifiers came from, recorded on every link (e.g. "api", "twilio", "postmark"). */
  source?: string;
  actor?: unknown;
  /** The workspace's settings, read once by the edge that received the request. */
  settings: WorkspaceSettings | null;
}

/** Which rule picked the journey (docs/architecture.md §3). */
export type ResolutionRule =
  "explicit" | "thread" | "customer_open_journey" | "reopened" | "new_journey";

export interface IngestResult extends WriteOutcome {
  journeyId: string;
  customerId: string | null;
  resolution: { rule: ResolutionRule; alternatives: string[] };
  /** How the event's identifiers tie it to the customer; null for explicit/thread routing. */
  verification: Verification | null;
  merges: MergeOutcome[];
  pendingLinks: PendingLinkView[];
}

/** An identifier that cannot be normalized; `path` names the field as the request spelled it. */
export interface IdentifierError {
  code: "invalid_identifier";
  path: string;
  message: string;
}

/** Neither a journey id, nor a known thread, nor an identifier that can name a customer. */
export interface UnresolvableError {
  code: "unresolvable_event";
  detail: string;
}

/**
 * A provider message whose customer was erased (docs/privacy.md "Erasure"): its id is in a
 * tombstone, so a late retry stores nothing. Provider edges answer it as delivered.
 */
export interface ErasedError {
  code: "customer_erased";
  detail: string;
}

/** Everything the pipeline can refuse, as data (mapped to HTTP only by http/errors.ts). */
export type IngestError = JourneyError | IdentifierError | UnresolvableError | ErasedError;

/** A provider request refused at the edge's verify or parse step; nothing was stored. */
export interface ProviderRefusal {
  code: RefusalCode;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** Each refusal's HTTP status (http/errors.ts maps them; nothing else decides a status). */
export const REFUSAL_STATUS = {
  webhook_not_found: 404,
  missing_signature: 401,
  unauthorized: 401,
  invalid_signature: 403,
  stale_timestamp: 403,
  replayed_token: 406,
  unsupported_media_type: 415,
  malformed_body: 400,
  malformed_payload: 400,
  invalid_webhook: 400,
  invalid_email: 422,
  payload_too_large: 413,
} as const;

export type RefusalCode = keyof typeof REFUSAL_STATUS;

/** A refusal as a failed Result. */
export function refuse(
  code: RefusalCode,
  title: string,
  detail?: string,
  errors?: ProviderRefusal["errors"],
): Result<never, ProviderRefusal> {
  return err({ code, title, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) });
}
