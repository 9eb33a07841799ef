import { forbiddenAddressProblem, hostAllowed, tokenUrlProblem } from './address-rules';

const dev = { isProduction: false, allowedHosts: [] };
const prod = { isProduction: true, allowedHosts: [] };

describe('tokenUrlProblem', () => {
  it('accepts https everywhere and http outside production only', () => {
    expect(tokenUrlProblem('https://api.etsy.com/v3/public/oauth/token', prod)).toBeNull();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token', dev)).toBeNull();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token', prod)).toMatch(/https in production/);
  });

  it.each([
    'not a url',
    'ftp://x/token',
    'file:///etc/passwd',
    'https://user:pw@x/token',
    'https://x/token#frag',
  ])('refuses %s', (url) => {
    expect(tokenUrlProblem(url, dev)).not.toBeNull();
  });

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254./token',
    'https://2852039166/token',
    'https://0xA9FEA9FE/token',
    'https://[::ffff:169.254.169.254]/token',
    'https://[fe80::1]/token',
    'https://[fd00:ec2::254]/token',
    'https://0.0.0.0/token',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://METADATA.google.internal./token',
    'https://metadata.google.internal../token',
    'https://[::a9fe:a9fe]/token',
    'https://[2002:a9fe:a9fe::]/token',
  ])('refuses link-local and metadata targets everywhere: %s', (url) => {
    expect(tokenUrlProblem(url, dev)).toMatch(/link-local|metadata/);
    expect(tokenUrlProblem(url, prod)).toMatch(/link-local|metadata/);
  });

  it.each([
    'https://127.0.0.1/token',
    'https://10.1.2.3/token',
    'https://172.16.0.1/token',
    'https://192.168.1.1/token',
    'https://100.64.0.1/token',
    'https://[::1]/token',
    'https://[fc00::1]/token',
    'https://[::ffff:10.0.0.1]/token',
    'https://localhost/token',
    'https://auth.localhost/token',
  ])('refuses loopback and private targets in production only: %s', (url) => {
    expect(tokenUrlProblem(url, prod)).toMatch(/loopback or private/);
    expect(tokenUrlProblem(url, dev)).toBeNull();
  });

  it('narrows hosts to AUTOPACK_OAUTH_TOKEN_HOSTS when set, never widening the address rules', () => {
    const policy = { isProduction: true, allowedHosts: ['api.etsy.com', '*.myshopify.com'] };
    expect(tokenUrlProblem('https://api.etsy.com/token', policy)).toBeNull();
    expect(tokenUrlProblem('https://shop.myshopify.com/admin/oauth/access_token', policy)).toBeNull();
    expect(tokenUrlProblem('https://myshopify.com/token', policy)).toMatch(/AUTOPACK_OAUTH_TOKEN_HOSTS/);
    expect(tokenUrlProblem('https://evil.example/token', policy)).toMatch(/AUTOPACK_OAUTH_TOKEN_HOSTS/);
    expect(tokenUrlProblem('https://api.etsy.com.evil.example/token', policy)).toMatch(
      /AUTOPACK_OAUTH_TOKEN_HOSTS/,
    );
  });
});

describe('forbiddenAddressProblem and hostAllowed', () => {
  it('classifies resolved addresses like literal ones', () => {
    expect(forbiddenAddressProblem('169.254.169.254', false)).not.toBeNull();
    expect(forbiddenAddressProblem('::ffff:169.254.169.254', false)).not.toBeNull();
    expect(forbiddenAddressProblem('127.0.0.1', false)).toBeNull();
    expect(forbiddenAddressProblem('127.0.0.1', true)).not.toBeNull();
    expect(forbiddenAddressProblem('93.184.216.34', true)).toBeNull();
    expect(forbiddenAddressProblem('2606:2800:220:1::1', true)).toBeNull();
  });

  it('judges an IPv6 address that carries an IPv4 one by the IPv4 address it reaches', () => {
    const always = ['::a9fe:a9fe', '::ffff:0:a9fe:a9fe', '2002:a9fe:a9fe::', '64:ff9b::169.254.169.254'];
    for (const address of always) {
      expect([address, forbiddenAddressProblem(address, false)]).toEqual([
        address,
        expect.stringContaining('169.254.169.254'),
      ]);
    }
    for (const address of ['64:ff9b::a00:1', '::7f00:1', '2002:c0a8:0101::1']) {
      expect([address, forbiddenAddressProblem(address, true)]).toEqual([
        address,
        expect.stringContaining('private'),
      ]);
      expect(forbiddenAddressProblem(address, false)).toBeNull();
    }
    // Public IPv4 behind NAT64 or 6to4 stays reachable; local-use NAT64 and site-local are internal.
    expect(forbiddenAddressProblem('64:ff9b::808:808', true)).toBeNull();
    expect(forbiddenAddressProblem('2002:808:808::1', true)).toBeNull();
    expect(forbiddenAddressProblem('64:ff9b:1::a00:1', true)).not.toBeNull();
    expect(forbiddenAddressProblem('fec0::1', true)).not.toBeNull();
    expect(forbiddenAddressProblem('192.0.0.170', false)).not.toBeNull();
  });

  it('matches exact hosts and *.domain subdomains; an empty list allows any host', () => {
    expect(hostAllowed('x.y', [])).toBe(true);
    expect(hostAllowed('a.b.shop.com', ['*.shop.com'])).toBe(true);
    expect(hostAllowed('badshop.com', ['*.shop.com'])).toBe(false);
  });
});
