/**
 * Workers RPC wraps return types (Rpc.Result, Disposable) in ways that defeat narrowing of
 * discriminated unions. `rpc<F>()` restores the method's declared return type after the call;
 * the values themselves are plain structured-clone data, so nothing is lost.
 */
export type RpcReturn<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

export function rpc<F>(value: unknown): RpcReturn<F> {
  return value as RpcReturn<F>;
}
