#!/usr/bin/env bash
# `make bench`: end-to-end throughput and memory of `prov run` on a generated
# corpus (BENCH_SIZE, default 2GB, in BENCH_PARTS objects) through the local
# store and through S3 (versitygw), against the raw read + SHA-256 speed of
# the same bytes; then every package benchmark. Results go to out/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-2GB}
PARTS=${BENCH_PARTS:-32}
PKG_BENCH=${BENCH_PACKAGES:-1}
dir=out/bench
rm -rf "$dir"; mkdir -p "$dir"
go build -o "$dir/provbench" ./cmd/provbench
go build -o bin/prov ./cmd/prov

echo "== generating $SIZE in $PARTS objects"
"$dir/provbench" gen -size "$SIZE" -parts "$PARTS" -out "$dir/corpus" | tee "$dir/gen.txt"
bytes=$(du -sb "$dir/corpus" | cut -f1)
# The demo policy's auxiliary objects (consent registry, annotator roster)
# live in the input store: copy them beside the generated corpus.
# Records name the demo's sources (web crawl, open encyclopedia, vendor
# books, user chats, synthetic), so the bench uses the demo source registry
# and the crawl's opt-out snapshots too.
mkdir -p "$dir/corpus/labels" "$dir/corpus/web"
cp -r fixtures/demo/corpus/consent-registry "$dir/corpus/"
cp -r fixtures/demo/corpus/labels/_roster "$dir/corpus/labels/"
cp -r fixtures/demo/corpus/web/_signals fixtures/demo/corpus/web/_crawl "$dir/corpus/web/"

write_cfg() { # $1 = config path, $2 = input URI, $3 = extra
  cat > "$1" <<YAML
version: 1
input: $2
output: $PWD/$dir/out-$(basename "$1" .yaml)
ledger:
  dir: $PWD/$dir/ledger-$(basename "$1" .yaml)
  origin: prov.bench/ledger
  signing_key: $PWD/$dir/keys/ledger.key
  public_key: $PWD/$dir/keys/ledger.pub
policy: $PWD/fixtures/demo/policy.yaml
sources: $PWD/fixtures/demo/sources.yaml
work: $PWD/$dir/work-$(basename "$1" .yaml)
datasets:
  - name: bench
    inputs:
      - prefix: bench/
    fields:
      text: text
      id: id
      url: url
      licence: license
      subject_id: user_id
      consent: consent
      fetched_at: fetched_at
      user_agent: crawler_ua
      language: lang
$3
YAML
}
bin/prov -c /dev/null keygen --out "$dir/keys" >/dev/null 2>&1 || true

measure() { # $1 label, $2 config, $3 workers, $4 cores (GOMAXPROCS)
  local t0 t1 rss out
  out="$dir/run-$1.json"
  set +e
  GOMAXPROCS=$4 /usr/bin/time -f '%e %M' -o "$dir/time-$1.txt" bin/prov -c "$2" run -o json --workers "$3" --log-level warn > "$out" 2> "$dir/stderr-$1.txt"
  local code=$?
  set -e
  if [[ $code != 0 && $code != 3 ]]; then echo "prov run ($1) failed: exit $code"; tail -5 "$dir/stderr-$1.txt"; exit 1; fi
  read -r secs rsskb < <(tail -n 1 "$dir/time-$1.txt")
  local recs
  recs=$(grep -m1 '"in"' "$out" | tr -dc '0-9')
  awk -v l="$1" -v b="$bytes" -v s="$secs" -v r="$rsskb" -v n="$recs" \
    'BEGIN{printf "| %-30s | %8.1f | %10.0f | %7.1f | %6.0f |\n", l, b/1e6/s, n/s, s, r/1024}' | tee -a "$dir/table.md"
  echo "$secs" > "$dir/secs-$1.txt"
}

echo "== raw read + sha256 of the same bytes"
sync
raw1=$("$dir/provbench" rawhash -workers 1 "$dir/corpus")
raw2=$("$dir/provbench" rawhash -workers 2 "$dir/corpus")
echo "1 core: $raw1"; echo "2 cores: $raw2"

{
  echo "corpus: $bytes bytes in $PARTS objects ($(cat "$dir/gen.txt"))"
  echo "raw read+sha256, 1 core: $(echo "$raw1" | sed 's/.*mbps=//') MB/s; 2 cores: $(echo "$raw2" | sed 's/.*mbps=//') MB/s"
  echo
  echo "| run                            |     MB/s |  records/s |       s | RSS MB |"
  echo "|--------------------------------|---------:|-----------:|--------:|-------:|"
} > "$dir/table.md"

# Scaling is measured core for core: one worker on one core (GOMAXPROCS=1,
# what a pod with a 1-CPU limit gets) against two workers on two cores.
# One worker with both cores free is shown too: the garbage collector and
# the ledger's writer then run beside it.
ncpu=$(nproc)
write_cfg "$dir/local-w1c1.yaml" "file://$PWD/$dir/corpus" ""
measure "local, 1 worker, 1 core" "$dir/local-w1c1.yaml" 1 1
write_cfg "$dir/local-w1.yaml" "file://$PWD/$dir/corpus" ""
measure "local, 1 worker, $ncpu cores" "$dir/local-w1.yaml" 1 "$ncpu"
write_cfg "$dir/local-w2.yaml" "file://$PWD/$dir/corpus" ""
measure "local, 2 workers, 2 cores" "$dir/local-w2.yaml" 2 2

echo "== S3 path (versitygw on 127.0.0.1)"
port=${BENCH_S3_PORT:-7071}
./scripts/versitygw.sh start "$PWD/$dir/s3data" "$port" >/dev/null
trap './scripts/versitygw.sh stop >/dev/null 2>&1 || true' EXIT
export PROV_S3_ACCESS_KEY=testaccess PROV_S3_SECRET_KEY=testsecret123
go run ./cmd/s3seed "127.0.0.1:$port" bench "$dir/corpus" >/dev/null
write_cfg "$dir/s3-w2.yaml" "s3://bench" "s3:
  endpoint: 127.0.0.1:$port
  region: us-east-1
  insecure: true
  path_style: true"
measure "s3, 2 workers, 2 cores" "$dir/s3-w2.yaml" 2 2

raw2mbps=$(echo "$raw2" | sed 's/.*mbps=//')
s1=$(cat "$dir/secs-local, 1 worker, 1 core.txt"); s2=$(cat "$dir/secs-local, 2 workers, 2 cores.txt"); s3=$(cat "$dir/secs-s3, 2 workers, 2 cores.txt")
awk -v b="$bytes" -v r="$raw2mbps" -v s1="$s1" -v s2="$s2" -v s3="$s3" 'BEGIN{
  printf "\nend to end (2 workers) / raw read+sha256 (2 cores): %.1f %% (goal >= 40 %%)\n", 100*b/1e6/s2/r
  printf "2 workers on 2 cores / 1 worker on 1 core: %.2fx (goal >= 1.8x)\n", s1/s2
  printf "S3 / local (2 workers): %.1f %% (goal >= 80 %%)\n", 100*s2/s3
}' | tee -a "$dir/table.md"

echo; cat "$dir/table.md"
if [[ $PKG_BENCH == 1 ]]; then
  echo "== package benchmarks"
  # The 10-million-record ledger and serve load tests have their own targets
  # (make bench-ledger, make bench-serve): they take minutes.
  go test -run '^$' -bench . -skip 'Ledger10M|GraphLoad|GraphHandler|Lingua' -benchtime 1s -cpu 1 -benchmem ./pipeline/... ./stages/... ./lineage/... ./schemas/... 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)' | tee "$dir/packages.txt"
fi
