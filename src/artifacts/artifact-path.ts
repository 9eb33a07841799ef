/**
 * The rules for an artifact path a client names (`?path=`). Pure functions: no file system access.
 *
 * The path the file system sees is the query value as Express decoded it (once). Every deeper
 * percent-decoding of it, and the NFKC form of each, must pass the same rules too, so an encoded
 * `..` (`%2e%2e`, `%252e%252e`, fullwidth `．．` …) is refused however many layers it hides under.
 */

/** One message for every refused path: the answer never says which rule a probe tripped. */
export const INVALID_ARTIFACT_PATH = 'Invalid artifact path';

/** Longer paths name nothing a run writes; they are refused before any decoding work. */
export const MAX_ARTIFACT_PATH_LENGTH = 4096;
/** Linux NAME_MAX, in UTF-8 bytes. */
const MAX_SEGMENT_BYTES = 255;
/** Decoding layers examined; a value still changing after this many is refused. */
const MAX_DECODE_LAYERS = 8;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const DRIVE_LETTER = /^[A-Za-z]:/;

/** True when one form of the path breaks a rule (see INVALID_ARTIFACT_PATH). */
function breaksRule(form: string): boolean {
  if (form === '' || CONTROL_CHARACTER.test(form) || form.includes('\\')) return true;
  if (form.startsWith('/') || DRIVE_LETTER.test(form)) return true;
  return form.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
}

/**
 * Every form a layered decoder could turn the value into: the value, each successive
 * `decodeURIComponent` of it while that changes it (a malformed escape ends the chain: the remaining
 * `%` is literal), and the NFKC normalisation of each. Null when the chain does not settle.
 */
function decodedForms(value: string): string[] | null {
  const forms = [value];
  let current = value;
  for (let layer = 0; ; layer++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break;
    }
    if (next === current) break;
    if (layer >= MAX_DECODE_LAYERS) return null;
    forms.push(next);
    current = next;
  }
  return [...forms, ...forms.map((form) => form.normalize('NFKC'))];
}

/**
 * The segments of a valid relative artifact path, or null when the path must be refused (400): not a
 * string, empty, too long, a NUL or other control character, a backslash, absolute, a drive letter, an
 * empty, `.` or `..` segment in any decoded or normalised form, or a segment longer than NAME_MAX.
 */
export function parseArtifactPath(value: unknown): string[] | null {
  if (typeof value !== 'string' || value.length > MAX_ARTIFACT_PATH_LENGTH) return null;
  const forms = decodedForms(value);
  if (forms === null || forms.some(breaksRule)) return null;
  const segments = value.split('/');
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) return null;
  return segments;
}

/**
 * A run id usable as one directory name under the runs root. Run ids are client-supplied strings; one
 * that is not a plain name (`..`, `a/b`, a NUL …) simply has no artifact directory.
 */
export function isSafeDirectoryName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !CONTROL_CHARACTER.test(name) &&
    Buffer.byteLength(name) <= MAX_SEGMENT_BYTES
  );
}

/**
 * Files that may hold credentials are never served nor listed, wherever they sit in the run
 * directory: anything under a `.credentials` directory, `.env*`, `*.pem`, `*.key`, `id_rsa*`.
 * Every segment is checked (case-insensitively), so a `.env/` directory or `keys.pem/x` is covered too.
 */
export function isSecretBearing(segments: readonly string[]): boolean {
  return segments.some((raw) => {
    const segment = raw.toLowerCase();
    return (
      segment === '.credentials' ||
      segment.startsWith('.env') ||
      segment.startsWith('id_rsa') ||
      segment.endsWith('.pem') ||
      segment.endsWith('.key')
    );
  });
}
