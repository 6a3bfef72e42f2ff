/**
 * Writing history into VictoriaMetrics: its import API (`POST /api/v1/import/prometheus`) takes Prometheus
 * exposition lines with timestamps — milliseconds, or OpenMetrics' seconds, which it recognises and converts
 * — and ignores `#` lines. New rows become visible to queries about a second later; `flush` makes them
 * visible at once. Used by the demo (history and recording rules on `--engine victoriametrics`) and by the
 * tests and benchmarks that run VictoriaMetrics.
 */

/** Makes everything ingested so far visible to queries. */
export async function flushVictoriaMetrics(url: string): Promise<void> {
  const response = await fetch(`${url}/internal/force_flush`);
  await response.body?.cancel();
  if (!response.ok) throw new Error(`VictoriaMetrics force_flush: HTTP ${response.status}`);
}

/** Imports each body (whole exposition lines) in its own request, then flushes; rejects with VictoriaMetrics' answer on failure. */
export async function importExposition(url: string, bodies: Iterable<string>): Promise<void> {
  for (const body of bodies) {
    if (body.trim() === '') continue;
    const response = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body });
    if (!response.ok) throw new Error(`VictoriaMetrics import: HTTP ${response.status} ${(await response.text()).slice(0, 500)}`);
    await response.body?.cancel();
  }
  await flushVictoriaMetrics(url);
}

/** Imports exposition lines (`name{labels} value timestamp`), 50,000 to a request so each body stays a few megabytes. */
export async function importLines(url: string, lines: readonly string[]): Promise<void> {
  function* chunks() {
    for (let i = 0; i < lines.length; i += 50_000) yield `${lines.slice(i, i + 50_000).join('\n')}\n`;
  }
  await importExposition(url, chunks());
}
