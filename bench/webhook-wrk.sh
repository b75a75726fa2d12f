#!/usr/bin/env bash
# The admission webhook under a native load generator: wrk (Debian's `wrk`) keeps 64 TLS connections
# busy from one thread, so the latency it reports is the server's plus the loopback, not a Node.js load
# generator's own event loop (bench/webhook.ts shares the two cores with the server and reads ~2x
# higher). Loopback only, 15 s per phase, then the server is stopped.
#   npm run build && bash bench/webhook-wrk.sh
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DIR"' EXIT
cd "$DIR"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
PORT=$((20000 + RANDOM % 20000))
node "$ROOT/bin/oomguard.js" webhook serve --tls-cert cert.pem --tls-key key.pem --address 127.0.0.1 \
  --port "$PORT" --log-level error &
SERVER=$!
# A typical Deployment (Node.js, heap flag, probes). `clean` is admitted as it is; `overcommitted`
# (request below the limit, opted in to mutation) is denied by /validate and patched by /mutate.
review() {
  local annotations="$1" request="$2"
  printf '%s' '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench","kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},"namespace":"shop","operation":"CREATE","userInfo":{"username":"dev"},"dryRun":false,"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"'"$annotations"'},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"node:20","env":[{"name":"NODE_OPTIONS","value":"--max-old-space-size=409"}],"resources":{"limits":{"memory":"512Mi"},"requests":{"memory":"'"$request"'"}},"livenessProbe":{"httpGet":{"path":"/livez","port":8080}},"readinessProbe":{"httpGet":{"path":"/readyz","port":8080}}}]}}}}}}'
}
review '' 512Mi > clean.json
review ',"annotations":{"oomguard.io/mutate":"true"}' 256Mi > overcommitted.json
for body in clean overcommitted; do
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s/%s.json", "r"); wrk.body = f:read("*a"); f:close()\n' "$DIR" "$body" > "$body.lua"
done
for _ in $(seq 50); do curl -skf "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
phase() {
  echo "== $1"
  wrk -t1 -c64 -d15s --latency -s "$2.lua" "https://127.0.0.1:$PORT$3" | grep -E 'Latency  |50%|99%|Requests/sec|Non-2xx|Socket errors'
}
phase 'validate, admitted (clean Deployment)' clean /validate
phase 'validate, denied (request below the limit)' overcommitted /validate
phase 'mutate (request = limit as a JSON Patch)' overcommitted /mutate
