// A small HTTP client for setup calls and probes (not for load: wrk does that).
export function client(base) {
  return async function call(method, path, { body, token, headers = {}, form } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (form !== undefined) {
      h["content-type"] ??= "application/x-www-form-urlencoded";
      payload = form;
    } else if (body !== undefined) {
      h["content-type"] ??= "application/json";
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${base}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (TwiML, plain text)
    }
    return { status: res.status, json, text };
  };
}

/** Throws with the answer when a setup call did not succeed. */
export function expectOk(res, what) {
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${what} answered ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res.json;
}

/** Runs `fn(i)` for i in [from, to) with `concurrency` calls in flight; counts failures. */
export async function pool(from, to, concurrency, fn) {
  let next = from;
  let failures = 0;
  let firstFailure = null;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        failures++;
        firstFailure ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failures, firstFailure };
}
