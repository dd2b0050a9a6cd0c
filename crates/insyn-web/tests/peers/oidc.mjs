// A test identity provider (oidc-provider): one confidential client, authorization code with
// PKCE S256, the package's development login and consent pages (any login name is accepted; the
// account's e-mail is `<login>@example.test`). Started on 127.0.0.1 by tests/staff_oidc.rs.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'insyn-test',
    client_secret: 'insyn-test-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.test`, email_verified: true, name: id }),
  }),
  cookies: { keys: ['insyn-test-cookie-key'] },
});
const server = provider.listen(port, '127.0.0.1', () => console.log(`listening on ${issuer}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
