/**
 * The reload call for vmalert (VictoriaMetrics' rule evaluator), the counterpart of `reloadPrometheus` for
 * `--rules-reload vmalert:URL`: returns undefined when the reload is confirmed, else why not.
 */

/** One sample of an unlabelled metric in vmalert's /metrics, or undefined. */
async function vmalertMetric(base: string, name: string, timeoutMs: number): Promise<number | undefined> {
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/**
 * vmalert answers GET /-/reload at once and reloads in the background (as on SIGHUP), re-reading its -rule
 * globs. It counts the request (vmalert_config_last_reload_total) before it parses the files, and counts a
 * failed parse in vmalert_config_last_reload_errors_total (keeping its previous rules). So the reload is
 * confirmed once the request is counted and, a settle interval later, no new error was counted and
 * vmalert_config_last_reload_successful is 1.
 */
export async function reloadVmalert(url: string, timeoutMs = 10_000): Promise<string | undefined> {
  const base = url.replace(/\/+$/, '');
  try {
    const counters = async () => ({
      total: (await vmalertMetric(base, 'vmalert_config_last_reload_total', timeoutMs)) ?? 0,
      errors: (await vmalertMetric(base, 'vmalert_config_last_reload_errors_total', timeoutMs)) ?? 0,
      ok: await vmalertMetric(base, 'vmalert_config_last_reload_successful', timeoutMs),
    });
    const before = await counters();
    const response = await fetch(`${base}/-/reload`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return `GET /-/reload: HTTP ${response.status}: ${(await response.text()).trim().slice(0, 500)}`;
    const failed = 'reload not confirmed: vmalert could not load the rule files and keeps its previous rules (see its log)';
    const settleMs = 250;
    const deadline = Date.now() + timeoutMs;
    let countedAt: number | undefined;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await counters();
      if (now.errors > before.errors) return failed;
      if (now.total > before.total) countedAt ??= Date.now();
      if (countedAt !== undefined && Date.now() - countedAt >= settleMs) return now.ok === 1 ? undefined : failed;
    }
    return `reload not confirmed: vmalert did not count the reload within ${timeoutMs} ms`;
  } catch (error) {
    return `vmalert at ${base} unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
}
