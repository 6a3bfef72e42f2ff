/**
 * `--auth kubernetes`: the bearer token is checked with a TokenReview, then each namespace with a
 * SubjectAccessReview for `get servicelevelobjectives.sre.vigil.dev`, so a user sees exactly the
 * namespaces where `kubectl get slo` would work. A cluster-wide review (namespace "") is asked first:
 * when it allows, no per-namespace review is needed. Answers are cached briefly (default 30 s), keyed by
 * the token's SHA-256 (the token itself is never kept as a key).
 */
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { API_GROUP } from '../../model/schema.js';
import { apiError } from '../errors.js';
import { bearerToken, type Access, type Authenticator } from './access.js';

export interface KubernetesAuthOptions {
  /** Default: in-cluster or ~/.kube/config (KubeConfig.loadFromDefault). */
  readonly kubeConfig?: KubeConfig;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

interface User {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: string[];
  readonly extra?: Record<string, string[]>;
}

class TtlCache<V> {
  private readonly map = new Map<string, { at: number; value: Promise<V> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.map.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value;
    if (this.map.size > 10_000) this.map.clear();
    const value = load();
    value.catch(() => this.map.delete(key));
    this.map.set(key, { at: t, value });
    return value;
  }
}

const unavailable = (what: string, error: unknown) => apiError('AUTH_UNAVAILABLE', `Kubernetes ${what} failed: ${(error as Error)?.message ?? String(error)}`);

export function kubernetesAuthenticator(options: KubernetesAuthOptions = {}): Authenticator {
  const kc =
    options.kubeConfig ??
    (() => {
      const k = new KubeConfig();
      k.loadFromDefault();
      return k;
    })();
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const now = options.now ?? Date.now;
  const users = new TtlCache<User | undefined>(options.cacheMs ?? 30_000, now);
  const decisions = new TtlCache<boolean>(options.cacheMs ?? 30_000, now);

  const review = async (token: string): Promise<User | undefined> => {
    let result;
    try {
      result = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
    } catch (error) {
      throw unavailable('TokenReview', error);
    }
    const status = result.status;
    if (!status?.authenticated || !status.user?.username) return undefined;
    return { username: status.user.username, uid: status.user.uid, groups: status.user.groups, extra: status.user.extra };
  };

  const mayGet = async (user: User, namespace: string): Promise<boolean> => {
    try {
      const result = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            resourceAttributes: { group: API_GROUP, resource: 'servicelevelobjectives', verb: 'get', namespace },
          },
        },
      });
      return result.status?.allowed === true;
    } catch (error) {
      throw unavailable('SubjectAccessReview', error);
    }
  };

  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      const tokenKey = createHash('sha256').update(token).digest('base64url');
      const user = await users.get(tokenKey, () => review(token));
      if (!user) throw apiError('UNAUTHENTICATED', 'the bearer token was not accepted by the Kubernetes API (TokenReview)');
      const decide = (namespace: string) => decisions.get(`${tokenKey}|${namespace}`, () => mayGet(user, namespace));
      const everyNamespace = await decide('');
      const access: Access = { subject: user.username, everyNamespace, canRead: (ns) => (everyNamespace ? Promise.resolve(true) : decide(ns)) };
      return access;
    },
    async close() {},
  };
}
