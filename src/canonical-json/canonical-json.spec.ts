import { CanonicalJsonError, canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys recursively and drops insignificant whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('matches the RFC 8785 §3.2.2 sample', () => {
    const input = {
      // eslint-disable-next-line no-loss-of-precision -- the RFC sample on purpose
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('orders keys by UTF-16 code units (RFC 8785 §3.2.3 sample)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('serialises numbers the ECMAScript way', () => {
    expect(canonicalJson([-0, 1.0, 100, 1e21, 1e-7, 0.1 + 0.2])).toBe(
      '[0,1,100,1e+21,1e-7,0.30000000000000004]',
    );
  });

  it('is independent of key insertion order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it.each([
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['undefined member', { u: undefined }],
    ['a lone surrogate', { s: '\ud800' }],
    ['a Date', { d: new Date(0) }],
    ['a bigint', { b: BigInt(1) }],
    ['a function', { f: () => 1 }],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
  });
});

/**
 * RFC 8785 Appendix B: IEEE 754 doubles (as big-endian hex) and their canonical serialisation. The RFC's
 * own vectors, so run-start fingerprints, action payload hashes and audit hashes (all taken over this one
 * canonicaliser) agree with any other conforming implementation.
 */
describe('canonicalJson: RFC 8785 Appendix B number vectors', () => {
  const double = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('%s → %s', (hex, expected) => {
    expect(canonicalJson(double(hex))).toBe(expected);
    expect(canonicalJson({ n: double(hex) })).toBe(`{"n":${expected}}`);
  });

  it.each([['7fffffffffffffff'], ['7ff0000000000000'], ['fff0000000000000']])(
    '%s (NaN or ±Infinity) has no JSON form',
    (hex) => {
      expect(() => canonicalJson(double(hex))).toThrow(CanonicalJsonError);
    },
  );

  it('0.1, 1e21 and -0 as the issue names them', () => {
    expect(canonicalJson({ a: 0.1, b: 1e21, c: -0 })).toBe('{"a":0.1,"b":1e+21,"c":0}');
  });
});
