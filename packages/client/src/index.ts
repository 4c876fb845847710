import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";
export { toolsFromDocument, type OpenApiDocument, type Toolset } from "./tools.js";

/** Every named schema of the API: request bodies (EventInput, PromiseInput…) and answers. */
export type Schemas = components["schemas"];
/** The application/problem+json body of a refused request (RFC 9457, with a stable `code`). */
export type Problem = Schemas["Problem"];

type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;
type Write = { idempotencyKey?: string };

export interface BatonClientOptions {
  /** Where the relay answers, e.g. https://baton.example.com (without /v1). */
  baseUrl: string;
  /** A workspace API key, `bk_<workspace>.<keyId>.<secret>`, with the scopes the calls need. */
  apiKey: string;
  /** A fetch to use instead of the global one (a proxy, a test server, a service binding). */
  fetch?: (input: Request) => Promise<Response>;
}

/** Thrown by the convenience methods when Baton refuses a request. */
export class BatonError extends Error {
  /** The HTTP status, e.g. 404 or 422. */
  readonly status: number;
  /** Baton's stable problem code, e.g. `journey_not_found`, or `http_<status>`. */
  readonly code: string;
  /** The whole problem+json body, when there was one. */
  readonly problem: Problem | undefined;

  constructor(status: number, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    super(problem ? `${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
    this.name = "BatonError";
    this.status = status;
    this.code = problem?.code ?? `http_${status}`;
    this.problem = problem;
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && "code" in body && "status" in body;
}

/** Resolves to the answer's body, or throws BatonError with the problem Baton answered. */
async function answer<D>(
  pending: Promise<{ data?: D; error?: unknown; response: Response }>,
): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok || error !== undefined || data === undefined) {
    throw new BatonError(response.status, error);
  }
  return data;
}

const idem = (o?: Write) =>
  o?.idempotencyKey === undefined ? {} : { header: { "Idempotency-Key": o.idempotencyKey } };

/**
 * A typed client for Baton's HTTP API. The convenience methods cover the common calls and
 * throw BatonError on a refusal; `api` reaches every route with openapi-fetch's typed
 * `GET`/`POST`/… (which answer `{ data, error, response }` instead of throwing).
 */
export function createBatonClient(options: BatonClientOptions) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const journey = (id: string) => ({ path: { id } });

  function getContext(query: Query<"getContext"> & { audience: "ivr" }): Promise<Schemas["IvrMap"]>;
  function getContext(query: Query<"getContext">): Promise<Schemas["ContextAnswer"]>;
  /** The context pack for a touchpoint: `ivr` (flat map with `sentence`), `bot`, `agent`. */
  function getContext(query: Query<"getContext">) {
    return answer(api.GET("/v1/context", { params: { query } }));
  }

  return {
    api,
    /** Posts what happened on a channel; answers the journey, its resolution and context. */
    postEvent: (event: Schemas["EventInput"], o?: Write) =>
      answer(api.POST("/v1/events", { body: event, params: idem(o) })),
    getContext,
    /** A journey's live context (reason, owner, promises, constraints, last action…). */
    getJourney: (id: string) => answer(api.GET("/v1/journeys/{id}", { params: journey(id) })),
    /** One page of a journey's event log. */
    listEvents: (id: string, query?: Query<"listJourneyEvents">) =>
      answer(api.GET("/v1/journeys/{id}/events", { params: { ...journey(id), query } })),
    /** Searches journey history (D1, about a second behind the live journey). */
    searchJourneys: (query?: Query<"searchJourneys">) =>
      answer(api.GET("/v1/journeys", { params: { query } })),
    patchJourney: (id: string, patch: Schemas["JourneyPatch"], o?: Write) =>
      answer(
        api.PATCH("/v1/journeys/{id}", { params: { ...journey(id), ...idem(o) }, body: patch }),
      ),
    /** Sets the owner; with `expectedOwnerId` it is a compare-and-swap (409 owner_conflict). */
    setOwner: (id: string, owner: Schemas["OwnerInput"], o?: Write) =>
      answer(
        api.PUT("/v1/journeys/{id}/owner", { params: { ...journey(id), ...idem(o) }, body: owner }),
      ),
    addPromise: (id: string, promise: Schemas["PromiseInput"], o?: Write) =>
      answer(
        api.POST("/v1/journeys/{id}/promises", {
          params: { ...journey(id), ...idem(o) },
          body: promise,
        }),
      ),
    settlePromise: (id: string, promiseId: string, settle: Schemas["PromiseSettleInput"]) =>
      answer(
        api.PATCH("/v1/journeys/{id}/promises/{pid}", {
          params: { path: { id, pid: promiseId } },
          body: settle,
        }),
      ),
    addConstraint: (id: string, constraint: Schemas["ConstraintInput"], o?: Write) =>
      answer(
        api.POST("/v1/journeys/{id}/constraints", {
          params: { ...journey(id), ...idem(o) },
          body: constraint,
        }),
      ),
    recordAction: (id: string, action: Schemas["ActionInput"], o?: Write) =>
      answer(
        api.POST("/v1/journeys/{id}/actions", {
          params: { ...journey(id), ...idem(o) },
          body: action,
        }),
      ),
    setStatus: (id: string, status: Schemas["StatusInput"], o?: Write) =>
      answer(
        api.PUT("/v1/journeys/{id}/status", {
          params: { ...journey(id), ...idem(o) },
          body: status,
        }),
      ),
    raiseException: (id: string, exception: Schemas["ExceptionInput"], o?: Write) =>
      answer(
        api.POST("/v1/journeys/{id}/exceptions", {
          params: { ...journey(id), ...idem(o) },
          body: exception,
        }),
      ),
    getCustomer: (id: string) =>
      answer(api.GET("/v1/customers/{id}", { params: { path: { id } } })),
  };
}

export type BatonClient = ReturnType<typeof createBatonClient>;
