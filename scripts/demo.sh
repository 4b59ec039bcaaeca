#!/usr/bin/env bash
# Runs prov on the embedded demo corpus and shows what it caught:
#   scripts/demo.sh local   the local-directory store (no server needed)
#   scripts/demo.sh s3      the same corpus through a local versitygw S3 server
# Starts from a clean state each time: everything it writes is under
# fixtures/demo/out/ (local) or out/demo-s3/ (s3).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-local}
PROV=${PROV:-bin/prov}
cfg=fixtures/demo/prov.yaml
demo_out=fixtures/demo/out

rm -rf "$demo_out" out/demo-s3
mkdir -p out

if [[ $mode == s3 ]]; then
  port=${PROV_DEMO_S3_PORT:-7070}
  ./scripts/versitygw.sh start "$PWD/out/demo-s3/data" "$port" >/dev/null
  trap './scripts/versitygw.sh stop >/dev/null 2>&1 || true' EXIT
  export PROV_S3_ACCESS_KEY=testaccess PROV_S3_SECRET_KEY=testsecret123
  go run ./cmd/s3seed "127.0.0.1:$port" prov-demo fixtures/demo/corpus
  fix=$PWD/fixtures/demo
  sed -e "s#^input:.*#input: s3://prov-demo#" \
      -e "s#^policy:.*#policy: $fix/policy.yaml#" -e "s#^sources:.*#sources: $fix/sources.yaml#" \
      -e "s# out/# $PWD/out/demo-s3/out/#" "$cfg" > out/demo-s3/prov.yaml
  printf 's3:\n  endpoint: 127.0.0.1:%s\n  region: us-east-1\n  insecure: true\n  path_style: true\n' "$port" >> out/demo-s3/prov.yaml
  cfg=out/demo-s3/prov.yaml
  demo_out=out/demo-s3/out
fi

echo "== prov keygen"
"$PROV" -c "$cfg" keygen | tail -n 3
echo
echo "== prov run -c $cfg"
set +e
"$PROV" -c "$cfg" run --log-level warn
code=$?
set -e
case $code in
  0) echo "(exit 0: done, every policy gate passed)" ;;
  3) echo "(exit 3: done, and a policy gate failed: the demo corpus holds violations on purpose)" ;;
  *) echo "prov run failed with exit code $code" >&2; exit "$code" ;;
esac

for ds in chat-zh-en safety-labels; do
  echo
  echo "== prov show $ds   (rule lines of the certificate; findings by rule)"
  "$PROV" -c "$cfg" show "$ds"
done
echo
echo "== prov lineage impact --source vendor-books   (what breaks if this source is revoked)"
"$PROV" -c "$cfg" lineage impact --source vendor-books
echo
echo "== prov ledger verify"
"$PROV" -c "$cfg" ledger verify
if "$PROV" cert --help >/dev/null 2>&1; then
  v=$("$PROV" -c "$cfg" lineage dataset chat-zh-en -o json | sed -n 's/.*"version": *"\([0-9a-f]*\)".*/\1/p' | tail -n 1)
  echo
  echo "== prov cert verify $demo_out/datasets/chat-zh-en/$v   (offline: signature, statement, ledger proof)"
  "$PROV" cert verify "$demo_out/datasets/chat-zh-en/$v" || true
fi
