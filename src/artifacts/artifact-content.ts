import { redactStringWithSpans } from '../redaction/redactor';
import type { RedactionSpan } from '../redaction/redactor';

/**
 * How far past the read cap a redacted read looks, so that a secret the cap cuts through is seen whole
 * (and replaced) before the cut. Far longer than any token the rules know; the rules that can match
 * longer spans (key blocks, header lines, assignments) match a prefix too.
 */
export const REDACTION_OVERLAP_BYTES = 64 * 1024;

/** How many bytes of a file of `size` bytes a read may take from disk: never the whole of a large file. */
export function bytesToRead(size: number, cap: number, redact: boolean): number {
  return Math.min(size, redact ? cap + REDACTION_OVERLAP_BYTES : cap);
}

export type ArtifactKind = 'text' | 'image' | 'binary';

export interface RenderedArtifact {
  body: Buffer;
  kind: ArtifactKind;
  contentType: string;
  /** The body is not the whole (redacted) file. */
  truncated: boolean;
  redacted: boolean;
  /** Markers in the body. */
  redactionCount: number;
}

/** Images are recognised by their bytes, never by their name; SVG (which can script) is not among them. */
const IMAGE_SIGNATURES: Array<{ type: string; matches: (b: Buffer) => boolean }> = [
  {
    type: 'image/png',
    matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: 'image/jpeg', matches: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', matches: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  {
    type: 'image/webp',
    matches: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

/** The text of `window` when it is UTF-8 without NUL bytes (an incomplete last character dropped), else null. */
function decodeText(window: Buffer, complete: boolean): string | null {
  if (window.includes(0)) return null;
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    return decoder.decode(window, { stream: !complete });
  } catch {
    return null;
  }
}

/** The longest prefix of `text` whose encoding fits in `maxBytes`, as a UTF-16 length. */
function prefixFitting(text: string, encoding: 'utf8' | 'latin1', maxBytes: number): number {
  if (encoding === 'latin1') return Math.min(text.length, maxBytes);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text.length;
  let cut = maxBytes;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // never split a character
  return bytes.subarray(0, cut).toString('utf8').length;
}

/** A cut that falls inside a marker moves to the marker's start: a marker is served whole or not at all. */
function cutOutsideMarkers(cut: number, spans: readonly RedactionSpan[]): number {
  const straddled = spans.find((span) => span.start < cut && cut < span.end);
  return straddled ? straddled.start : cut;
}

/** Where input position `sourcePos` lands in the redacted text; inside a replaced part → that marker's start. */
function toOutput(sourcePos: number, spans: readonly RedactionSpan[]): number {
  let shift = 0;
  for (const span of spans) {
    if (sourcePos <= span.sourceStart) break;
    if (sourcePos < span.sourceEnd) return span.start;
    shift = span.end - span.sourceEnd;
  }
  return sourcePos + shift;
}

/**
 * What an artifact read answers, from the first bytes of the file (`window`) and its size. Pure and
 * deterministic: the same bytes and options give the same body, byte for byte.
 *
 * With redaction, the window reaches REDACTION_OVERLAP_BYTES past the cap; the text is redacted first
 * and cut afterwards, at the cap (in the file's bytes and in the body's), never inside a marker, and
 * never past the part of the window the cap covers (what lies beyond was read only as context: a
 * secret cut by the window's own end may no longer match its rule).
 */
export function renderArtifact(
  window: Buffer,
  size: number,
  options: { cap: number; redact: boolean },
): RenderedArtifact {
  const { cap, redact } = options;
  const complete = window.length >= size;
  const image = IMAGE_SIGNATURES.find((signature) => signature.matches(window));
  const text = image ? null : decodeText(window, complete);
  const kind: ArtifactKind = image ? 'image' : text !== null ? 'text' : 'binary';
  const contentType =
    kind === 'image'
      ? image!.type
      : kind === 'text'
        ? 'text/plain; charset=utf-8'
        : 'application/octet-stream';
  // Binary content is redacted byte for byte (latin1 maps each byte to one character and back).
  const encoding = kind === 'text' ? 'utf8' : 'latin1';
  const source = text ?? window.toString('latin1');

  if (!redact) {
    const cut = prefixFitting(source, encoding, cap);
    const body =
      kind === 'text'
        ? Buffer.from(source.slice(0, cut), 'utf8')
        : window.subarray(0, Math.min(window.length, cap));
    return { body, kind, contentType, truncated: size > body.length, redacted: false, redactionCount: 0 };
  }

  const { value, spans } = redactStringWithSpans(source);
  let cut = prefixFitting(value, encoding, cap);
  if (!complete) {
    // Only the part of the window within the cap may be served; the rest was context for the rules.
    const sourceCap = prefixFitting(source, encoding, cap);
    cut = Math.min(cut, toOutput(sourceCap, spans));
  }
  cut = cutOutsideMarkers(cut, spans);
  const body = Buffer.from(value.slice(0, cut), encoding);
  return {
    body,
    kind,
    contentType,
    truncated: !complete || cut < value.length,
    redacted: true,
    redactionCount: spans.filter((span) => span.end <= cut).length,
  };
}
