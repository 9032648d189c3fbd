/** Data a page shows: fetched from the API, refetched when a live message of the given types arrives. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { systemClock } from "../core/clock";
import { type ApiError, get } from "./api";
import { useLive } from "./live";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * GETs `path` (skipped when null) and again whenever a live message of `liveTypes` arrives; bursts of
 * messages are folded into one refetch 100 ms later.
 */
export function useResource<T>(path: string | null, liveTypes: readonly string[] = []): Resource<T> {
  return useLoader<T>(path ?? "", path === null ? null : () => get<T>(path), liveTypes, 0);
}

/** Like useResource for a computation over several requests; `key` names what it depends on. */
export function useAsync<T>(
  key: string,
  fn: () => Promise<T>,
  liveTypes: readonly string[] = [],
  refreshMs = 0,
): Resource<T> {
  return useLoader(key, fn, liveTypes, refreshMs);
}

/**
 * Runs `fn` (nothing when null) when `key` changes, every `refreshMs` when set, and 100 ms after a burst
 * of live messages of `liveTypes`; an answer that a newer run overtook is dropped.
 */
function useLoader<T>(
  key: string,
  fn: (() => Promise<T>) | null,
  liveTypes: readonly string[],
  refreshMs: number,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(fn !== null);
  const seq = useRef(0);
  const pending = useRef<{ cancel(): void } | undefined>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  const load = useCallback(() => {
    const run = fnRef.current;
    if (run === null) return;
    const mine = ++seq.current;
    setLoading(true);
    run().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: Error) => {
        if (mine !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [key]);

  useEffect(() => {
    load();
    const t = refreshMs > 0 ? systemClock.setInterval(load, refreshMs) : undefined;
    return () => {
      seq.current++;
      t?.cancel();
      pending.current?.cancel();
    };
  }, [load, refreshMs]);

  useLive(liveTypes, () => {
    if (pending.current) return;
    pending.current = systemClock.setTimeout(() => {
      pending.current = undefined;
      load();
    }, 100);
  });

  return { data, error, loading, reload: load };
}
