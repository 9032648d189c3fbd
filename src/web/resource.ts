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
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const seq = useRef(0);
  const pending = useRef<{ cancel(): void } | undefined>(undefined);

  const load = useCallback(() => {
    if (path === null) return;
    const mine = ++seq.current;
    setLoading(true);
    get<T>(path).then(
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
  }, [path]);

  useEffect(() => {
    load();
    return () => {
      seq.current++;
      pending.current?.cancel();
    };
  }, [load]);

  useLive(liveTypes, () => {
    if (pending.current) return;
    pending.current = systemClock.setTimeout(() => {
      pending.current = undefined;
      load();
    }, 100);
  });

  return { data, error, loading, reload: load };
}

/** Like useResource for a computation over several requests; `key` names what it depends on. */
export function useAsync<T>(
  key: string,
  fn: () => Promise<T>,
  liveTypes: readonly string[] = [],
  refreshMs = 0,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const pending = useRef<{ cancel(): void } | undefined>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  const load = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    fnRef.current().then(
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
