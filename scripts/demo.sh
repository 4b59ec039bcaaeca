#!/usr/bin/env bash
# Runs prov on the embedded demo corpus: `scripts/demo.sh local` (local
# directory store) or `scripts/demo.sh s3` (through a local versitygw S3
# server). Starts from a clean state under out/ each time.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-local}
PROV=${PROV:-bin/prov}
cfg=fixtures/demo/prov.yaml

rm -rf out/demo out/ledger out/work out/keys out/demo-s3.yaml
mkdir -p out

if [[ $mode == s3 ]]; then
  port=${PROV_DEMO_S3_PORT:-7070}
  ./scripts/versitygw.sh start out/s3-data "$port"
  trap './scripts/versitygw.sh stop' EXIT
  export PROV_S3_ACCESS_KEY=testaccess PROV_S3_SECRET_KEY=testsecret123
  bucket=prov-demo
  "$PROV" -c "$cfg" s3 upload --endpoint "127.0.0.1:$port" --bucket "$bucket" fixtures/demo/corpus >/dev/null 2>&1 || \
    go run ./scripts/s3seed "127.0.0.1:$port" "$bucket" fixtures/demo/corpus
  sed -e "s#^input:.*#input: s3://$bucket#" -e "s#\.\./\.\./out#.#g" -e "s#: \./#: $PWD/fixtures/demo/#" "$cfg" > out/demo-s3.yaml
  printf 's3:\n  endpoint: 127.0.0.1:%s\n  region: us-east-1\n  insecure: true\n  path_style: true\n' "$port" >> out/demo-s3.yaml
  cfg=out/demo-s3.yaml
fi

echo "== prov keygen"
"$PROV" -c "$cfg" keygen >/dev/null
echo "== prov run -c $cfg"
set +e
"$PROV" -c "$cfg" run --log-level warn
code=$?
set -e
case $code in
  0) echo "(exit 0: all policy gates passed)" ;;
  3) echo "(exit 3: done, and a policy gate failed — the demo corpus contains violations on purpose)" ;;
  *) echo "prov run failed with exit code $code" >&2; exit "$code" ;;
esac

ledger_cmds() {
  echo
  echo "== What the findings show, by rule (from findings.parquet via prov lineage / the manifest)"
  "$PROV" -c "$cfg" lineage dataset chat-zh-en 2>/dev/null || true
}
ledger_cmds
