import { jsonDiff } from '../lib/json-diff';

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

const show = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

/** What changed from `before` to `after`, one row per changed path. */
export function JsonDiffTable({
  before,
  after,
  caption,
}: {
  before: unknown;
  after: unknown;
  caption: string;
}) {
  const changes = jsonDiff(before, after);
  if (changes.length === 0) return <p class="muted">The payloads are identical.</p>;
  return (
    <div class="table-wrap">
      <table class="diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Change</th>
            <th scope="col">Before</th>
            <th scope="col">Now</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={change.path} class={`diff-${change.kind}`}>
              <th scope="row">
                <code>{change.path}</code>
              </th>
              <td>{change.kind}</td>
              <td>
                <code>{show(change.before)}</code>
              </td>
              <td>
                <code>{show(change.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
