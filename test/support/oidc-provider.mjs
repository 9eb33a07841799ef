// A real OpenID Provider for the SSO tests: the certified `oidc-provider` package on a loopback port, in a
// process of its own (it is ESM with a large ESM dependency tree that Jest would otherwise have to
// transform). Started by test/helpers/oidc-provider.ts, which passes the setup as JSON in argv[2]:
//   { clients: [{ client_id, client_secret, redirect_uris }], accounts: { <id>: { email, groups, ... } } }
// and reads `READY <issuer>` from stdout.
//
// Interactions are kept tiny: GET /interaction/<uid>?account=<id> signs <id> in (login prompt); the same
// URL without `account` grants what the client asked for (consent prompt). A real user would see forms.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const setup = JSON.parse(process.argv[2] ?? '{}');
const accounts = setup.accounts ?? {};

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: setup.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: {
    keys: [{ ...signingKey, kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' }],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  findAccount: (_ctx, id) =>
    accounts[id] && {
      accountId: id,
      claims: () => ({ sub: id, ...accounts[id] }),
    },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
});
// The provider logs nothing unless asked; keep it that way, the test reads only the READY line.

async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    const accountId = url.searchParams.get('account');
    if (!accountId || !accounts[accountId]) {
      res.statusCode = 400;
      return res.end('unknown account');
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  }
  const grant = new provider.Grant({
    accountId: details.session.accountId,
    clientId: details.params.client_id,
  });
  if (details.prompt.details.missingOIDCScope)
    grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
  if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
  return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
}

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    interaction(req, res).catch(() => {
      res.statusCode = 400;
      res.end('interaction failed');
    });
  } else {
    handle(req, res);
  }
});

process.stdout.write(`READY ${issuer}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
