import { useState } from 'preact/hooks';

/**
 * A secret the API shows exactly once (a new API key, a webhook's signing secret): shown with a copy
 * button and a warning; it lives only in this component's state, so leaving or reloading the page drops it.
 */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  return (
    <div class="notice notice-warn secret-once" role="region" aria-label={label}>
      <p class="notice-title">{label}</p>
      <p>Copy it now: it is shown only this once and cannot be read again.</p>
      <p>
        <code class="secret">{secret}</code>
      </p>
      <p class="row">
        <button type="button" onClick={() => void copy()}>
          Copy {label.toLowerCase()}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
        <span role="status" class="muted">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'Copy failed: select the text and copy it.'
              : ''}
        </span>
      </p>
    </div>
  );
}
