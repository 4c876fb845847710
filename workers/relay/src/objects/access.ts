import { faultable } from "../faults";

/**
 * The one way the Worker names a Durable Object (docs/architecture.md, "Objects").
 *
 * - Every name starts with the workspace, so no lookup is ever unscoped: a caller can only
 *   reach objects of the workspace it passes, and no other file calls `idFromName` (eslint
 *   enforces it).
 * - Each stub is typed with its class's public methods returning their declared values.
 *   Workers RPC wraps return types (Rpc.Result, Disposable) in ways that defeat narrowing of
 *   discriminated unions; the values themselves are plain structured-clone data, so the one
 *   cast lives here instead of at every call site.
 * - Each is also the object-call boundary where tests inject failures (`faultable`,
 *   src/faults.ts); in production that returns the stub unchanged.
 */
export type ObjectStub<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

function stub<T extends Rpc.DurableObjectBranded>(
  ns: DurableObjectNamespace<T>,
  name: string,
): ObjectStub<T> {
  return ns.get(ns.idFromName(name)) as unknown as ObjectStub<T>;
}

function stubById<T extends Rpc.DurableObjectBranded>(
  ns: DurableObjectNamespace<T>,
  id: string,
): ObjectStub<T> {
  return ns.get(ns.idFromString(id)) as unknown as ObjectStub<T>;
}

export function journeyStub(env: Env, workspace: string, journeyId: string) {
  const s = stub(env.JOURNEY, `${workspace}/${journeyId}`);
  return faultable(env, workspace, "journey", s);
}

/** Object-to-object pushes pass `{ faults: false }`: tests inject faults at the Worker's calls. */
interface Options {
  faults?: boolean;
}

export function identityStub(env: Env, workspace: string, key: string, o: Options = {}) {
  const s = stub(env.IDENTITY, `${workspace}/${key}`);
  return o.faults === false ? s : faultable(env, workspace, "identity", s);
}

/**
 * An identity object's id, for a record that must name the object without holding the
 * identifier itself (the erasure plan, docs/privacy.md "Erasure"). A key (`phone:+1…`) has a
 * colon; an id is 64 hex digits, so `identityStubByRef` takes either.
 */
export function identityObjectId(env: Env, workspace: string, key: string): string {
  return env.IDENTITY.idFromName(`${workspace}/${key}`).toString();
}

/** The identity object named by `identityObjectId` (or, for older records, by its key). */
export function identityStubByRef(env: Env, workspace: string, ref: string) {
  if (!/^[0-9a-f]{64}$/.test(ref)) return identityStub(env, workspace, ref);
  return faultable(env, workspace, "identity", stubById(env.IDENTITY, ref));
}

export function customerStub(env: Env, workspace: string, customerId: string, o: Options = {}) {
  const s = stub(env.CUSTOMER, `${workspace}/${customerId}`);
  return o.faults === false ? s : faultable(env, workspace, "customer", s);
}

/** The workspace's own object: settings, API keys. */
export function workspaceStub(env: Env, workspace: string) {
  return stub(env.WORKSPACE, workspace);
}

/** The workspace's outbound webhook subscriptions and deliveries. */
export function webhooksStub(env: Env, workspace: string) {
  return stub(env.WEBHOOKS, workspace);
}
