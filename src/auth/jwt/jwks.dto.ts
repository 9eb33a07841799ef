export class JwkDto {
  kty: string;
  /** RSA modulus, base64url. */
  n?: string;
  /** RSA exponent, base64url. */
  e?: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export class JwksDto {
  keys: JwkDto[];
}
