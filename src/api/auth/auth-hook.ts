/** Authenticates every request of the plugin it is added to and leaves the result on `request.access`. */
import type { FastifyInstance } from 'fastify';
import { everything, type Access, type Authenticator } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    access: Access;
  }
}

export function addAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  if (!app.hasRequestDecorator('access')) app.decorateRequest('access', { getter: () => everything });
  app.addHook('onRequest', async (request) => {
    const access = await authenticator.authenticate(request.headers.authorization);
    Object.defineProperty(request, 'access', { value: access, enumerable: false, configurable: true });
  });
}
