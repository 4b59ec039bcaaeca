#!/usr/bin/env bash
# End-to-end browser test of `prov serve` (make test-ui): builds prov, runs
# the demo fixtures into a temp output store and ledger, then drives the web
# page in headless Chromium with playwright-core. Screenshots of the main
# pages go to $PROV_SCREENSHOTS (default out/screenshots/, ignored by git, so
# a run leaves no tracked file modified); UPDATE_SCREENSHOTS=1 (make
# screenshots) then copies them over the tracked docs/screenshots/.
# Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [[ ! -x /usr/bin/chromium ]]; then
  echo "ui-tests: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

cd "$here"
npm ci --no-audit --no-fund --loglevel=error

echo "ui-tests: building prov" >&2
(cd "$root" && go build -o "$tmp/prov" ./cmd/prov)

# The demo configuration with output, ledger and keys in the temp dir (as
# cmd/prov/e2e_test.go's demoConfig does).
fix="$root/fixtures/demo"
sed -e "s#^input:.*#input: $fix/corpus#" \
    -e "s#^output:.*#output: $tmp/out#" \
    -e "s#^policy:.*#policy: $fix/policy.yaml#" \
    -e "s#^sources:.*#sources: $fix/sources.yaml#" \
    -e "s#^  dir:.*#  dir: $tmp/ledger#" \
    -e "s#^  signing_key:.*#  signing_key: $tmp/keys/ledger.key#" \
    -e "s#^  public_key:.*#  public_key: $tmp/keys/ledger.pub#" \
    "$fix/prov.yaml" > "$tmp/prov.yaml"

"$tmp/prov" -c "$tmp/prov.yaml" --log-level warn keygen >/dev/null
# Exit 3 means a policy gate failed: the demo has such a dataset on purpose.
rc=0
"$tmp/prov" -c "$tmp/prov.yaml" --log-level warn run -o json >"$tmp/run.json" || rc=$?
if [[ $rc -ne 0 && $rc -ne 3 ]]; then
  echo "ui-tests: prov run exited $rc" >&2
  exit 1
fi

# A training job's OpenLineage START and COMPLETE events naming the demo
# version, recorded offline, so the graph has a model node and the model
# page has a model.
ver="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(r.datasets.find((d) => d.name === "chat-zh-en").version)' "$tmp/run.json")"
ev='{"eventType":"%s","eventTime":"%s","producer":"https://github.com/acme/trainer/v2.1.0","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2"},"job":{"namespace":"acme-training","name":"finetune-chat-assistant"},"inputs":[{"namespace":"prov","name":"chat-zh-en@%s"}],"outputs":[%s]}\n'
{
  printf "$ev" START 2026-12-01T08:00:00Z "$ver" ''
  printf "$ev" COMPLETE 2026-12-01T14:30:00Z "$ver" '{"namespace":"s3://acme-models","name":"chat-assistant-7b"}'
} >"$tmp/events.jsonl"
"$tmp/prov" -c "$tmp/prov.yaml" --log-level warn lineage ingest "$tmp/events.jsonl" >/dev/null

PROV_BIN="$tmp/prov" PROV_CONFIG="$tmp/prov.yaml" PROV_OUT="$tmp/out" \
  PROV_SCREENSHOTS="${PROV_SCREENSHOTS:-$root/out/screenshots}" \
  node --test --test-concurrency=1 serve.test.mjs

if [[ ${UPDATE_SCREENSHOTS:-} == 1 ]]; then
  cp "${PROV_SCREENSHOTS:-$root/out/screenshots}"/*.png "$root/docs/screenshots/"
  echo "ui-tests: docs/screenshots/ updated" >&2
fi
