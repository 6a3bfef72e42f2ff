/** Authenticates every request of the plugin it is added to and leaves the result on `request.access`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { everything, type Access, type Authenticator } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    access: Access;
  }
  interface FastifyContextConfig {
    /**
     * The route accepts its bearer token as `metadata.token` in the JSON body when no Authorization header
     * is sent: Flagger's webhooks can carry metadata but no headers.
     */
    tokenInBody?: boolean;
  }
}

function setAccess(request: FastifyRequest, access: Access): void {
  Object.defineProperty(request, 'access', { value: access, enumerable: false, configurable: true });
}

export function addAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  if (!app.hasRequestDecorator('access')) app.decorateRequest('access', { getter: () => everything });
  app.addHook('onRequest', async (request) => {
    // Deferred to preValidation, where the body (and its token) has been parsed.
    if (request.routeOptions.config?.tokenInBody && request.headers.authorization === undefined) return;
    setAccess(request, await authenticator.authenticate(request.headers.authorization));
  });
  app.addHook('preValidation', async (request) => {
    if (!request.routeOptions.config?.tokenInBody || request.headers.authorization !== undefined) return;
    const body = request.body as { metadata?: { token?: unknown } } | undefined;
    const token = body?.metadata?.token;
    setAccess(request, await authenticator.authenticate(typeof token === 'string' ? `Bearer ${token}` : undefined));
  });
}
