/**
 * Failure injection for tests (docs/architecture.md, "Failure injection").
 *
 * Off unless the Worker's `FAULT_INJECTION` variable is set, and then only for workspaces
 * whose id starts with its value (vitest.config.ts sets `fault-`; wrangler.toml never sets
 * it). A test arms a fault by writing a row into the fault plan, an IdentityObject named
 * `${workspace}/fault-plan`, through `runInDurableObject` (`armFault` below): no route writes
 * that table, so no request can arm a fault. Each armed row fails that many calls at one point:
 *
 * - `before`: the object call throws before it reaches the object (object unreachable);
 * - `after`: the object does its work, then the caller sees a throw (the answer was lost);
 * - `store`: (`journey.store`, `journey.message` only) the journey's write transaction throws
 *   after its inserts, so SQLite rolls it back.
 */
export type FaultMode = "before" | "after" | "store";

declare global {
  interface Env {
    /** Test-only: the workspace id prefix for which the fault plan is consulted. */
    FAULT_INJECTION?: string;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the runtime's Env lives in this namespace
  namespace Cloudflare {
    interface Env {
      FAULT_INJECTION?: string;
    }
  }
}

/** The error an injected fault throws: an ordinary Error, so it travels like an outage. */
export class InjectedFault extends Error {
  constructor(point: string, mode: FaultMode) {
    super(`injected fault at ${point} (${mode})`);
    this.name = "InjectedFault";
  }
}

/** True when this workspace consults the fault plan (never in production). */
export function faultsEnabled(env: Env, workspace: string): boolean {
  const prefix = env.FAULT_INJECTION;
  return typeof prefix === "string" && prefix.length > 0 && workspace.startsWith(prefix);
}

/** The object holding a workspace's fault plan. */
export function faultPlanStub(env: Env, workspace: string) {
  return env.IDENTITY.get(env.IDENTITY.idFromName(`${workspace}/fault-plan`));
}

/** Takes the next armed fault for `point`, or null. One object call, only when enabled. */
export async function takeFault(env: Env, workspace: string, point: string) {
  if (!faultsEnabled(env, workspace)) return null;
  return (await faultPlanStub(env, workspace).takeFault(workspace, point)) as FaultMode | null;
}

const PLAN_TABLES = [
  `CREATE TABLE IF NOT EXISTS fault_plan (
     point TEXT NOT NULL, mode TEXT NOT NULL, remaining INTEGER NOT NULL)`,
  // Every point consulted, in order, so a test can list the object calls a path makes.
  `CREATE TABLE IF NOT EXISTS fault_log (
     n INTEGER PRIMARY KEY AUTOINCREMENT, point TEXT NOT NULL, mode TEXT)`,
];

function ensurePlan(storage: DurableObjectStorage): void {
  for (const ddl of PLAN_TABLES) storage.sql.exec(ddl);
}

/** Arms `times` faults at `point` in a fault-plan object's storage (tests, via runInDurableObject). */
export function armFault(
  storage: DurableObjectStorage,
  point: string,
  mode: FaultMode,
  times = 1,
): void {
  ensurePlan(storage);
  storage.sql.exec(
    "INSERT INTO fault_plan (point, mode, remaining) VALUES (?, ?, ?)",
    point,
    mode,
    times,
  );
}

/** Consumes one armed fault at `point` from a fault-plan object's storage, and logs the call. */
export function consumeFault(storage: DurableObjectStorage, point: string): FaultMode | null {
  ensurePlan(storage);
  const row = storage.sql
    .exec<{ mode: string }>(
      `UPDATE fault_plan SET remaining = remaining - 1 WHERE rowid = (
         SELECT rowid FROM fault_plan WHERE point = ? AND remaining > 0 ORDER BY rowid LIMIT 1)
       RETURNING mode`,
      point,
    )
    .toArray()[0];
  const mode = (row?.mode as FaultMode | undefined) ?? null;
  storage.sql.exec("INSERT INTO fault_log (point, mode) VALUES (?, ?)", point, mode);
  return mode;
}

/** The points consulted so far, in order, with the fault each one got (tests). */
export function faultLog(
  storage: DurableObjectStorage,
): { point: string; mode: FaultMode | null }[] {
  ensurePlan(storage);
  return storage.sql
    .exec<{ point: string; mode: string | null }>("SELECT point, mode FROM fault_log ORDER BY n")
    .toArray()
    .map((r) => ({ point: r.point, mode: r.mode as FaultMode | null }));
}

/**
 * Wraps an object stub so that every method call first consults the fault plan at
 * `${kind}.${method}`. Returns the stub itself, untouched, when faults are off.
 */
export function faultable<T extends object>(env: Env, workspace: string, kind: string, stub: T): T {
  if (!faultsEnabled(env, workspace)) return stub;
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== "string" || prop === "then" || typeof value !== "function") {
        return value;
      }
      return async (...args: unknown[]): Promise<unknown> => {
        const point = `${kind}.${prop}`;
        const mode = await takeFault(env, workspace, point);
        if (mode === "before") throw new InjectedFault(point, mode);
        const out: unknown = await Reflect.apply(value, target, args);
        if (mode === "after") throw new InjectedFault(point, mode);
        return out;
      };
    },
  });
}
