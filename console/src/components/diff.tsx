/** The class of one line of unified diff text (coloured by ops.css, never by inline style). */
function lineClass(line: string): string {
  if (line.startsWith('diff ') || line.startsWith('index ')) return 'diff-meta';
  if (line.startsWith('+++') || line.startsWith('---')) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return 'diff-context';
}

/** A unified diff (a builder's patch), one line per row, additions and deletions marked. */
export function DiffView({ patch, label }: { patch: string; label: string }) {
  const lines = patch.replace(/\n$/, '').split('\n');
  return (
    <pre class="diff" aria-label={label} tabIndex={0}>
      {lines.map((line, i) => (
        <span key={i} class={`diff-line ${lineClass(line)}`}>
          {line || ' '}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
