import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError } from './errors';

export type Resource<T> =
  | { state: 'loading'; data?: T; reload: () => void }
  | { state: 'error'; error: ApiError; data?: T; reload: () => void }
  | { state: 'ready'; data: T; reload: () => void };

/**
 * Loads `load()` whenever `deps` change; `reload()` loads again keeping the old data on screen (so a live
 * update does not flash a loading state). An answer that arrives after a newer request is dropped.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ state: 'loading' | 'error' | 'ready'; data?: T; error?: ApiError }>({
    state: 'loading',
  });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (data) => mine === generation.current && setState({ state: 'ready', data }),
      (error: unknown) =>
        mine === generation.current &&
        setState((previous) => ({ state: 'error', data: previous.data, error: asApiError(error) })),
    );
  }, deps);
  useEffect(() => {
    setState({ state: 'loading' });
    run();
  }, [run]);
  const reload = run;
  if (state.state === 'ready') return { state: 'ready', data: state.data as T, reload };
  if (state.state === 'error')
    return { state: 'error', error: state.error as ApiError, data: state.data, reload };
  return { state: 'loading', data: state.data, reload };
}
