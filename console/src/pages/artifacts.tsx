import { useEffect, useState } from 'preact/hooks';
import { api, authedFetch, unwrap } from '../api/client';
import { apiErrorOf, asApiError, type ApiError } from '../api/errors';
import { useResource } from '../api/use-resource';
import { ErrorView, ListState, Loading } from '../components/status';
import { Time } from '../components/time';
import { bytes, useTitle } from '../ops/shared';
import { Link, navigate, useLocation } from '../router';
import '../styles/ops.css';

interface FileView {
  path: string;
  kind: 'text' | 'image' | 'binary';
  text?: string;
  imageUrl?: string;
  contentType: string;
  truncated: boolean;
  originalSize: number | null;
  redactionCount: number;
}

/** The API's redaction marker (`[REDACTED:<rule>]`), as the artifacts module writes it into a body. */
const MARKER = /\[REDACTED:[^\]\s]{1,64}\]/g;

/** Text with every redaction marker shown as one (a <mark> with words for screen readers). */
function RedactedText({ text }: { text: string }) {
  const parts: Array<string | { marker: string }> = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    parts.push(text.slice(last, match.index));
    parts.push({ marker: match[0] });
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(text.slice(last));
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <mark key={i} class="redaction" title="A secret was removed here before the file was sent">
            {part.marker}
          </mark>
        ),
      )}
    </>
  );
}

async function readFile(runId: string, path: string): Promise<FileView> {
  // Always redacted: an operator's screen (and whoever looks over their shoulder) never needs the secret.
  const query = new URLSearchParams({ path, redact: 'true' });
  const url = `${window.location.origin}/runs/${encodeURIComponent(runId)}/artifacts/file?${query.toString()}`;
  const response = await authedFetch(new Request(url));
  if (!response.ok) throw await apiErrorOf(response);
  const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
  const common = {
    path,
    contentType,
    truncated: response.headers.get('x-artifact-truncated') === 'true',
    originalSize: Number(response.headers.get('x-artifact-original-size') ?? NaN) || null,
    redactionCount: Number(response.headers.get('x-artifact-redaction-count') ?? 0) || 0,
  };
  if (contentType.startsWith('text/')) return { ...common, kind: 'text', text: await response.text() };
  if (contentType.startsWith('image/')) {
    // A data: URL (the CSP allows data: images, not blob:), from bytes the API recognised as an image.
    const blob = await response.blob();
    const imageUrl = await new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error ?? new Error('could not read the image'));
      reader.readAsDataURL(blob);
    });
    return { ...common, kind: 'image', imageUrl };
  }
  return { ...common, kind: 'binary' };
}

/** A run's artifact files: the index, and a file read with its redaction and truncation marked. */
export function ArtifactsPage({ id }: { id: string }) {
  useTitle(`Artifacts of ${id}`);
  const { query } = useLocation();
  const selected = query.get('path');
  const index = useResource(
    () => unwrap(api.GET('/runs/{run_id}/artifacts/index', { params: { path: { run_id: id } } })),
    [id],
  );
  const [file, setFile] = useState<FileView | null>(null);
  const [fileError, setFileError] = useState<ApiError | null>(null);

  useEffect(() => {
    setFile(null);
    setFileError(null);
    if (!selected) return;
    let live = true;
    readFile(id, selected).then(
      (view) => live && setFile(view),
      (error: unknown) => live && setFileError(asApiError(error)),
    );
    return () => {
      live = false;
    };
  }, [id, selected]);

  const base = `/runs/${encodeURIComponent(id)}/artifacts`;
  return (
    <>
      <p class="crumbs">
        <Link href="/runs">Runs</Link> / <Link href={`/runs/${encodeURIComponent(id)}`}>{id}</Link> /
        artifacts
      </p>
      <h1>
        Artifacts of <code>{id}</code>
      </h1>
      <div class="split">
        <section aria-labelledby="files-title" class="split-list">
          <h2 id="files-title">Files</h2>
          <ListState
            resource={index}
            errorTitle="Could not load the artifact index"
            loading="the artifact index"
            isEmpty={(data) => data.artifacts.length === 0}
            empty="This run has no artifacts yet."
          >
            {(data) => (
              <>
                <p class="muted">
                  {data.artifacts.length} file{data.artifacts.length === 1 ? '' : 's'},{' '}
                  {bytes(data.total_size_bytes)}
                </p>
                {data.truncated && (
                  <p class="notice notice-warn">
                    The listing is truncated: the run has more files than are listed.
                  </p>
                )}
                <ul class="files">
                  {data.artifacts.map((a) => (
                    <li key={a.path}>
                      <Link
                        href={`${base}?path=${encodeURIComponent(a.path)}`}
                        aria-current={a.path === selected ? 'true' : undefined}
                      >
                        {a.path}
                      </Link>{' '}
                      <span class="muted">
                        {bytes(a.size_bytes)}, <Time iso={a.modified_at} />
                      </span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </ListState>
        </section>
        <section aria-labelledby="file-title" class="split-main">
          <h2 id="file-title">{selected ? <code>{selected}</code> : 'No file selected'}</h2>
          {!selected && <p class="muted">Choose a file to read it.</p>}
          {selected && fileError && <ErrorView error={fileError} title="Could not read the file" />}
          {selected && !file && !fileError && <Loading what={selected} />}
          {file && (
            <>
              {file.redactionCount > 0 && (
                <p class="notice notice-warn" role="note">
                  Redacted: {file.redactionCount} secret{file.redactionCount === 1 ? ' was' : 's were'}{' '}
                  removed from this file before it was sent, each shown as a marked [REDACTED:…].
                </p>
              )}
              {file.truncated && (
                <p class="notice notice-warn" role="note">
                  Truncated: only the start of the file is shown
                  {file.originalSize ? ` (the file is ${bytes(file.originalSize)})` : ''}.
                </p>
              )}
              {file.kind === 'text' && (
                <pre class="file-text" tabIndex={0} aria-label={`Content of ${file.path}`}>
                  <RedactedText text={file.text ?? ''} />
                  {file.truncated && <span class="truncation">{'\n'}[… truncated]</span>}
                </pre>
              )}
              {file.kind === 'image' && (
                <img src={file.imageUrl} alt={`Artifact ${file.path}`} class="artifact-image" />
              )}
              {file.kind === 'binary' && <p class="muted">A binary file ({file.contentType}): not shown.</p>}
              <p>
                <button type="button" onClick={() => navigate(base)}>
                  Close file
                </button>
              </p>
            </>
          )}
        </section>
      </div>
    </>
  );
}
