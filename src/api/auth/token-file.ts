/**
 * `--auth tokens:FILE`: a YAML or JSON file of bearer tokens and the namespaces each may read:
 *
 *   tokens:
 *     - name: grafana          # shown in logs, never the token
 *       token: "…"             # at least 16 characters
 *       namespaces: ["*"]      # every namespace
 *     - name: team-shop
 *       token: "…"
 *       namespaces: [shop, shop-staging]
 *
 * Tokens are compared as SHA-256 digests with timingSafeEqual against every entry (no early exit), so
 * timing tells nothing about a token. The file is re-read when it changes; a broken edit keeps the
 * previous tokens and is logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { parse } from 'yaml';
import { apiError } from '../errors.js';
import { bearerToken, type Access, type Authenticator } from './access.js';

interface TokenEntry {
  readonly name: string;
  readonly digest: Buffer;
  readonly namespaces: '*' | ReadonlySet<string>;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function parseTokenFile(text: string): { ok: true; entries: TokenEntry[] } | { ok: false; message: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return { ok: false, message: `not YAML/JSON: ${(error as Error).message.split('\n')[0]}` };
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) return { ok: false, message: 'expected a top-level "tokens" list' };
  const entries: TokenEntry[] = [];
  for (const [i, raw] of list.entries()) {
    const e = raw as { name?: unknown; token?: unknown; namespaces?: unknown };
    if (typeof e?.token !== 'string' || e.token.length < 16) return { ok: false, message: `tokens.${i}.token: must be a string of at least 16 characters` };
    if (!Array.isArray(e.namespaces) || e.namespaces.some((n) => typeof n !== 'string')) return { ok: false, message: `tokens.${i}.namespaces: must be a list of namespaces or ["*"]` };
    const namespaces = e.namespaces as string[];
    entries.push({ name: typeof e.name === 'string' ? e.name : `token #${i + 1}`, digest: digest(e.token), namespaces: namespaces.includes('*') ? '*' : new Set(namespaces) });
  }
  return { ok: true, entries };
}

export interface TokenFileOptions {
  /** Poll interval for changes (default 1000 ms). */
  readonly watchIntervalMs?: number;
  readonly onReload?: (outcome: { ok: boolean; message?: string; tokens?: number }) => void;
}

export function tokenFileAuthenticator(path: string, options: TokenFileOptions = {}): Authenticator {
  const load = (): TokenEntry[] => {
    const parsed = parseTokenFile(readFileSync(path, 'utf8'));
    if (!parsed.ok) throw new Error(`${path}: ${parsed.message}`);
    return parsed.entries;
  };
  let entries = load();
  const listener = () => {
    try {
      entries = load();
      options.onReload?.({ ok: true, tokens: entries.length });
    } catch (error) {
      options.onReload?.({ ok: false, message: (error as Error).message });
    }
  };
  watchFile(path, { interval: options.watchIntervalMs ?? 1000, persistent: false }, listener);

  return {
    async authenticate(authorization) {
      const presented = digest(bearerToken(authorization));
      let match: TokenEntry | undefined;
      for (const entry of entries) if (timingSafeEqual(entry.digest, presented) && !match) match = entry;
      if (!match) throw apiError('UNAUTHENTICATED', 'unknown bearer token');
      const { name, namespaces } = match;
      const access: Access =
        namespaces === '*'
          ? { subject: name, everyNamespace: true, canRead: async () => true }
          : { subject: name, everyNamespace: false, canRead: async (ns) => namespaces.has(ns) };
      return access;
    },
    async close() {
      unwatchFile(path, listener);
    },
  };
}
