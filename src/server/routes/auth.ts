import { route } from '../api/route.js';
import { loginBodySchema, sessionViewSchema } from '../api/schemas.js';
import type { AuthService } from '../services/auth.js';

export function authRoutes(auth: AuthService) {
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/login',
      summary: 'Log in with a username and password through a local identity provider',
      tag: 'auth',
      auth: false,
      body: loginBodySchema,
      response: sessionViewSchema,
      errors: [404, 429],
      handler: async ({ body, params }) => {
        const session = await auth.loginWithPassword(params.provider as string, body.username, body.password);
        const { id, email, name, groups, provider } = session.identity;
        return { token: session.token, expires_at: session.expires_at, identity: { id, email, name, groups, provider } };
      },
    }),
  ];
}
