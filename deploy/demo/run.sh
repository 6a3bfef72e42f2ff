#!/usr/bin/env bash
# The demo on embedded defaults: installs what is missing, then runs the demo stack on loopback.
# Arguments go to the demo (`--help`: `--engine prometheus|victoriametrics`). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
bins="prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager redis-server:redis-server"
# `--engine victoriametrics` (or `--engine=victoriametrics`) runs on VictoriaMetrics and vmalert instead of Prometheus.
case " $* " in *victoriametrics*) bins="$bins victoria-metrics:victoria-metrics vmalert:victoria-metrics" ;; esac
for bin in $bins; do
  command -v "${bin%%:*}" >/dev/null 2>&1 || need+=("${bin##*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
exec node --import tsx deploy/demo/demo.ts "$@"
