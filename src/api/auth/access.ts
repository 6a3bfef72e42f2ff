/**
 * Who is asking and which namespaces they may read. Three authenticators share one interface:
 * `none` (anonymous, every namespace: loopback demos only), `tokens:FILE` and `kubernetes`.
 */
import { apiError } from '../errors.js';

export interface Access {
  /** A name for logs (never the token). */
  readonly subject: string;
  /** True when every namespace is readable (skips per-namespace checks). */
  readonly everyNamespace: boolean;
  canRead(namespace: string): Promise<boolean>;
}

export interface Authenticator {
  /** Resolves the `Authorization` header; throws UNAUTHENTICATED (401) or AUTH_UNAVAILABLE (503). */
  authenticate(authorization: string | undefined): Promise<Access>;
  close(): Promise<void>;
}

export const everything: Access = { subject: 'anonymous', everyNamespace: true, canRead: async () => true };

export function anonymousAuthenticator(): Authenticator {
  return { authenticate: async () => everything, close: async () => {} };
}

/** The token of a `Bearer` header; throws 401 when absent or malformed. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw apiError('UNAUTHENTICATED', authorization ? 'the Authorization header must be "Bearer <token>"' : 'missing bearer token (Authorization: Bearer <token>)');
  return match[1]!;
}

/** The subset of `namespaces` the caller may read (one check per distinct namespace). */
export async function readableNamespaces(access: Access, namespaces: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(namespaces)];
  if (access.everyNamespace) return new Set(list);
  const allowed = await Promise.all(list.map((ns) => access.canRead(ns)));
  return new Set(list.filter((_, i) => allowed[i]));
}

export async function requireNamespace(access: Access, namespace: string): Promise<void> {
  if (!access.everyNamespace && !(await access.canRead(namespace))) {
    throw apiError('FORBIDDEN', `${access.subject} may not read namespace "${namespace}"`);
  }
}
