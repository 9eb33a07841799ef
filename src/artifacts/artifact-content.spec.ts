import { bytesToRead, REDACTION_OVERLAP_BYTES, renderArtifact } from './artifact-content';

const GITHUB_TOKEN = `${'ghp_'}${'A1b2C3'.repeat(6)}`;
const render = (text: string | Buffer, cap: number, redact: boolean, size?: number) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const window = bytes.subarray(0, bytesToRead(bytes.length, cap, redact));
  return renderArtifact(window, size ?? bytes.length, { cap, redact });
};

describe('renderArtifact', () => {
  it('serves small text whole, as UTF-8 text', () => {
    const out = render('héllo\n', 1024, false);
    expect(out).toMatchObject({ kind: 'text', contentType: 'text/plain; charset=utf-8', truncated: false });
    expect(out.body.toString()).toBe('héllo\n');
  });

  it('cuts text at the cap without splitting a character', () => {
    const out = render('ab€cd', 4, false); // € is 3 bytes: a b [€] → cut before it
    expect(out.body.toString()).toBe('ab');
    expect(out.truncated).toBe(true);
  });

  it('recognises images by their bytes and everything else with NULs as binary', () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(20, 1),
    ]);
    expect(render(png, 1024, false).contentType).toBe('image/png');
    expect(render(Buffer.from('GIF89a....'), 1024, false).contentType).toBe('image/gif');
    expect(render(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 1024, false).contentType).toBe('image/jpeg');
    expect(render(Buffer.from('<svg onload="x"/>'), 1024, false).contentType).toBe(
      'text/plain; charset=utf-8',
    );
    const binary = render(Buffer.from([1, 0, 2, 0xff]), 1024, false);
    expect(binary).toMatchObject({ kind: 'binary', contentType: 'application/octet-stream' });
    expect(binary.body).toEqual(Buffer.from([1, 0, 2, 0xff]));
  });

  it('redacts and counts the markers in the body', () => {
    const out = render(`token ${GITHUB_TOKEN} and AKIAIOSFODNN7EXAMPLE`, 1024, true);
    expect(out.body.toString()).toBe('token [REDACTED:github_token] and [REDACTED:aws_access_key]');
    expect(out).toMatchObject({ redacted: true, redactionCount: 2, truncated: false });
  });

  it('redacts binary content byte for byte', () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 0xfe]),
      Buffer.from(` ${GITHUB_TOKEN} `),
      Buffer.from([0xff, 0]),
    ]);
    const out = render(bytes, 1024, true);
    expect(out.kind).toBe('binary');
    expect(out.body).toEqual(
      Buffer.concat([
        Buffer.from([0, 0xfe]),
        Buffer.from(' [REDACTED:github_token] '),
        Buffer.from([0xff, 0]),
      ]),
    );
  });

  it.each(Array.from({ length: 40 }, (_, i) => i))(
    'never leaks the start of a secret the cap cuts through (cap at offset %i into it)',
    (into) => {
      const prefix = `${'x'.repeat(99)} `;
      const text = `${prefix}${GITHUB_TOKEN} tail ${'y'.repeat(200)}`;
      const out = render(text, prefix.length + into, true);
      const body = out.body.toString();
      expect(body).not.toContain('ghp_');
      expect(body).not.toContain('A1b2');
      const marker = '[REDACTED:github_token]';
      // A marker that does not fit whole is dropped; one that fits is kept.
      if (into < marker.length) expect(body).toBe(prefix);
      else expect(body.startsWith(prefix + marker)).toBe(true);
      expect(out.truncated).toBe(true);
      expect(out.body.length).toBeLessThanOrEqual(prefix.length + into);
    },
  );

  it('keeps a marker that fits and drops one the cut falls inside', () => {
    const text = `password=hunter2 ${'z'.repeat(50)}`;
    expect(render(text, 40, true).body.toString()).toBe('password=[REDACTED:secret_assignment] zz');
    expect(render(text, 20, true).body.toString()).toBe('password=');
  });

  it('serves only what the cap covers of a window that is not the whole file', () => {
    // A long secret shrinks to a marker; what the window holds past the cap is context, not content.
    const cap = 1024;
    const text = `password=${'p'.repeat(900)} ${'q'.repeat(200)} AKIAIOSFO${'N'.repeat(REDACTION_OVERLAP_BYTES)}`;
    const out = render(text, cap, true);
    expect(out.body.toString()).toBe(`password=[REDACTED:secret_assignment] ${'q'.repeat(cap - 910)}`);
    expect(out.truncated).toBe(true);
  });

  it('drops a marker whose secret the cap cuts, even when the marker would fit', () => {
    const text = `Cookie: ${'c'.repeat(2000)}\n${'z'.repeat(REDACTION_OVERLAP_BYTES)}`;
    expect(render(text, 1024, true).body.toString()).toBe('Cookie: ');
  });

  it('is deterministic: the same bytes give the same body', () => {
    const text = `${'a'.repeat(900)} Authorization: Bearer ${GITHUB_TOKEN}\n${'b'.repeat(5000)}`;
    const first = render(text, 1000, true);
    for (let i = 0; i < 5; i++) expect(render(text, 1000, true)).toEqual(first);
  });

  it('reads at most the cap, plus the overlap when redacting', () => {
    expect(bytesToRead(2 ** 30, 1024, false)).toBe(1024);
    expect(bytesToRead(2 ** 30, 1024, true)).toBe(1024 + REDACTION_OVERLAP_BYTES);
    expect(bytesToRead(10, 1024, true)).toBe(10);
  });
});
