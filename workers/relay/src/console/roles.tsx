/**
 * Role checks for console pages: agent < lead < admin (context.ts). A page for leads mounts
 * `requireRole("lead")`; a merge form checks `requireRole("admin")`. Refusals are a 403 page.
 */
import { createMiddleware } from "hono/factory";
import type { ConsoleEnv, Role } from "./context";
import { roleAtLeast } from "./context";
import { errorPage } from "./errors";

export const requireRole = (role: Role) =>
  createMiddleware<ConsoleEnv>(async (c, next) => {
    const person = c.get("person");
    if (!roleAtLeast(person.role, role)) {
      return errorPage(
        c,
        403,
        "Not allowed for your role",
        `This needs the ${role} role; you are signed in as ${person.role}.`,
        "forbidden",
      );
    }
    await next();
  });
