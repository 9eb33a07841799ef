/**
 * The rules for an artifact path a client names (`?path=`). Pure functions: no file system access.
 *
 * The path the file system sees is the query value as Express decoded it (once). Every deeper
 * percent-decoding of it, and the NFKC form of each, must pass the same rules too, so an encoded
 * `..` (`%2e%2e`, `%252e%252e`, fullwidth `．．` …) is refused however many layers it hides under.
 *
 * Windows stays a supported platform, so the rules know both naming systems (the decision table is
 * "Windows path semantics" in docs/CANONICAL_API_CONTRACT.md). A shape that never names a legitimate file anywhere (a backslash, a drive letter, a
 * UNC or `\\?\` / `\\.\` prefix, a `:$DATA`-style stream type) is refused on every platform; a shape that
 * is a plain name on POSIX but an alias on Windows (any colon, a trailing dot or space, a device name such
 * as `CON` or `nul.txt`, an 8.3 short name such as `PROGRA~1`, a character Windows forbids) is refused
 * where Windows rules apply — and the secret-name check reads every segment the way Windows would open
 * it on every platform, so `server.pem.` or `server.pem:x` is never served anywhere.
 */

/** Whose file-name rules apply: the host's by default; tests pass `win32` to prove Windows semantics here. */
export type PathPlatform = 'posix' | 'win32';
export const HOST_PLATFORM: PathPlatform = process.platform === 'win32' ? 'win32' : 'posix';

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
/** An NTFS stream type (`::$DATA`, `:$INDEX_ALLOCATION`): no platform has a legitimate name with one. */
const STREAM_TYPE = /:\$/;
/** Characters Windows refuses in a name (`:` opens an alternate data stream; `?` and `*` are wildcards). */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
/**
 * Names Win32 maps to a device wherever they appear, with any extension and trailing spaces before it:
 * `CON`, `nul.txt`, `COM1.log`, `LPT¹` (Windows counts the superscript digits too), `CONIN$`, `CONOUT$`.
 */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$) *(\..*)?$/i;
/** An 8.3 short name (`PROGRA~1`, `SECRET~2.PEM`): an alias of some long name in the same directory. */
const SHORT_NAME = /~\d/;

/** True when one segment, harmless on POSIX, is an alias or a device under Windows' name rules. */
function breaksWindowsNameRule(segment: string): boolean {
  return (
    WINDOWS_FORBIDDEN.test(segment) ||
    /[. ]$/.test(segment) ||
    WINDOWS_DEVICE.test(segment) ||
    SHORT_NAME.test(segment)
  );
}

/** True when one form of the path breaks a rule (see INVALID_ARTIFACT_PATH). */
function breaksRule(form: string, platform: PathPlatform): boolean {
  if (form === '' || CONTROL_CHARACTER.test(form) || form.includes('\\')) return true;
  if (form.startsWith('/') || DRIVE_LETTER.test(form) || STREAM_TYPE.test(form)) return true;
  const segments = form.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return true;
  return platform === 'win32' && segments.some(breaksWindowsNameRule);
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
 * NTFS stream type, an empty, `.` or `..` segment in any decoded or normalised form, a segment longer
 * than NAME_MAX — and, under Windows rules, a segment that Windows would read as another name or a
 * device (see breaksWindowsNameRule).
 */
export function parseArtifactPath(value: unknown, platform: PathPlatform = HOST_PLATFORM): string[] | null {
  if (typeof value !== 'string' || value.length > MAX_ARTIFACT_PATH_LENGTH) return null;
  const forms = decodedForms(value);
  if (forms === null || forms.some((form) => breaksRule(form, platform))) return null;
  const segments = value.split('/');
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) return null;
  return segments;
}

/**
 * A run id usable as one directory name under the runs root. Run ids are client-supplied strings; one
 * that is not a plain name (`..`, `a/b`, a NUL, a stream type; under Windows rules `C:`, `run.`, `CON`,
 * `RUN~1` …) simply has no artifact directory.
 */
export function isSafeDirectoryName(name: string, platform: PathPlatform = HOST_PLATFORM): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !CONTROL_CHARACTER.test(name) &&
    !STREAM_TYPE.test(name) &&
    !(platform === 'win32' && breaksWindowsNameRule(name)) &&
    Buffer.byteLength(name) <= MAX_SEGMENT_BYTES
  );
}

/**
 * Files that may hold credentials are never served nor listed, wherever they sit in the run
 * directory: anything under a `.credentials` directory, `.env*`, `*.pem`, `*.key`, `id_rsa*`.
 * Every segment is checked (case-insensitively), so a `.env/` directory or `keys.pem/x` is covered too.
 * On every platform a segment is read as Windows would open it — its alternate-stream suffix
 * (`server.pem:x`, `.credentials::$INDEX_ALLOCATION`) and trailing dots and spaces (`server.pem. `) dropped —
 * so no spelling of a secret's name slips past on a file system shared with Windows.
 */
export function isSecretBearing(segments: readonly string[]): boolean {
  return segments.some((raw) => {
    const segment = raw
      .split(':')[0]
      .replace(/[. ]+$/, '')
      .toLowerCase();
    return (
      segment === '.credentials' ||
      segment.startsWith('.env') ||
      segment.startsWith('id_rsa') ||
      segment.endsWith('.pem') ||
      segment.endsWith('.key')
    );
  });
}
