import { faultable } from "../faults";

/**
 * Object stubs. Every name starts with the workspace, so no lookup is ever unscoped. Each is
 * also the object-call boundary where tests inject failures (`faultable`, src/faults.ts); in
 * production that returns the stub unchanged.
 */
export function journeyStub(env: Env, workspace: string, journeyId: string) {
  const stub = env.JOURNEY.get(env.JOURNEY.idFromName(`${workspace}/${journeyId}`));
  return faultable(env, workspace, "journey", stub);
}

export function identityStub(env: Env, workspace: string, key: string) {
  const stub = env.IDENTITY.get(env.IDENTITY.idFromName(`${workspace}/${key}`));
  return faultable(env, workspace, "identity", stub);
}

export function customerStub(env: Env, workspace: string, customerId: string) {
  const stub = env.CUSTOMER.get(env.CUSTOMER.idFromName(`${workspace}/${customerId}`));
  return faultable(env, workspace, "customer", stub);
}
