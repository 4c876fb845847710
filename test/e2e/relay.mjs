// Starts the relay the way a user does (`./baton dev`) on a free port with its own state folder,
// for the end-to-end tests; stop() ends its whole process group and removes the state.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const root = new URL("../..", import.meta.url).pathname;

/**
 * Polls `read` every 200 ms until it answers something truthy, and answers that; throws
 * naming `what` once `ms` have passed.
 */
export async function until(read, ms = 30_000, what = "a condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** A port nobody listens on right now (the kernel picks it). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `./baton dev`, waited for until its output matches `ready` (by default the printed key).
 * Returns the base URL, the printed API key, the output so far and stop().
 */
export async function startRelay(name, { ready = /export BATON_KEY=(\S+)/ } = {}) {
  const port = await freePort();
  const persist = mkdtempSync(join(tmpdir(), `baton-${name}-`));
  let output = "";
  const server = spawn("./baton", ["dev"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), BATON_PERSIST: persist },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  const stop = () => {
    if (server.exitCode === null) process.kill(-server.pid, "SIGTERM");
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (!ready.test(output) || !/export BATON_KEY=\S+/.test(output)) {
    if (Date.now() > deadline || server.exitCode !== null) {
      stop();
      throw new Error(`relay did not start:\n${output}`);
    }
    await sleep(200);
  }
  return {
    root,
    port,
    base: `http://127.0.0.1:${port}`,
    key: /export BATON_KEY=(\S+)/.exec(output)[1],
    output: () => output,
    /** The relay's state folder (BATON_PERSIST), removed by stop(). */
    persist,
    /** Ends the relay and waits for it to exit, keeping its state folder (stop() removes it). */
    async halt() {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      process.kill(-server.pid, "SIGTERM");
      await Promise.race([exited, sleep(15_000)]);
    },
    stop,
  };
}
