/** Object stubs. Every name starts with the workspace, so no lookup is ever unscoped. */
export function journeyStub(env: Env, workspace: string, journeyId: string) {
  return env.JOURNEY.get(env.JOURNEY.idFromName(`${workspace}/${journeyId}`));
}

export function identityStub(env: Env, workspace: string, key: string) {
  return env.IDENTITY.get(env.IDENTITY.idFromName(`${workspace}/${key}`));
}

export function customerStub(env: Env, workspace: string, customerId: string) {
  return env.CUSTOMER.get(env.CUSTOMER.idFromName(`${workspace}/${customerId}`));
}
