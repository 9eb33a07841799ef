import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from './errors';

/** Runs one write, keeping whether it is in flight and its error for display; true when it succeeded. */
export function useWrite() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (write: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await write();
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
