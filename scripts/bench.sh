#!/usr/bin/env bash
# `make bench`: end-to-end throughput and memory of `prov run` on two
# generated corpus shapes, against the raw read + SHA-256 speed of the same
# bytes measured in the same run; then every package benchmark. Results go
# to out/bench/ (table.md).
#
#   short: BENCH_SIZE (default 2GB) in BENCH_PARTS (32) objects of ~1.2 KB
#          records, each in one declared language; local store and S3
#   long:  BENCH_LONG_SIZE (512MB) in BENCH_LONG_PARTS (8) objects of
#          ~2.5 KB documents mixing Chinese and English paragraphs, no
#          declared language, PI in ~3 %; local store (BENCH_LONG=0 skips)
#
# Each end-to-end row gives MB/s and records/s of wall time, the CPU time
# (user + system) and MB per CPU-second, and the wall rate as a share of the
# raw read + SHA-256 rate on as many cores. The machine may be shared: set
# BENCH_REPEAT=N to run every measurement N times; the summary then quotes
# the median of each ratio, each ratio taken within one repetition.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-2GB}
PARTS=${BENCH_PARTS:-32}
LONG=${BENCH_LONG:-1}
LONG_SIZE=${BENCH_LONG_SIZE:-512MB}
LONG_PARTS=${BENCH_LONG_PARTS:-8}
REPEAT=${BENCH_REPEAT:-1}
PKG_BENCH=${BENCH_PACKAGES:-1}
dir=out/bench
rm -rf "$dir"; mkdir -p "$dir"
go build -o "$dir/provbench" ./cmd/provbench
go build -o bin/prov ./cmd/prov
ncpu=$(nproc)

# gen NAME SHAPE SIZE PARTS: the corpus and the demo policy's auxiliary
# objects (consent registry, annotator roster, the crawl's opt-out
# snapshots), which live in the input store beside it.
gen() {
  local c="$dir/corpus-$1"
  echo "== generating $3 of $2 records in $4 objects"
  "$dir/provbench" gen -shape "$2" -size "$3" -parts "$4" -out "$c" | tee "$dir/gen-$1.txt"
  echo "$(du -sb "$c" | cut -f1)" > "$dir/bytes-$1.txt"
  mkdir -p "$c/labels" "$c/web"
  cp -r fixtures/demo/corpus/consent-registry "$c/"
  cp -r fixtures/demo/corpus/labels/_roster "$c/labels/"
  cp -r fixtures/demo/corpus/web/_signals fixtures/demo/corpus/web/_crawl "$c/web/"
}

write_cfg() { # $1 = config path, $2 = input URI, $3 = extra
  local n; n=$(basename "$1" .yaml)
  cat > "$1" <<YAML
version: 1
input: $2
output: $PWD/$dir/out-$n
ledger:
  dir: $PWD/$dir/ledger-$n
  origin: prov.bench/ledger
  signing_key: $PWD/$dir/keys/ledger.key
  public_key: $PWD/$dir/keys/ledger.pub
policy: $PWD/fixtures/demo/policy.yaml
sources: $PWD/fixtures/demo/sources.yaml
work: $PWD/$dir/work-$n
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

# rawhash NAME REP: read + SHA-256 of the corpus on 1 and 2 cores.
rawhash() {
  local r1 r2
  r1=$("$dir/provbench" rawhash -workers 1 "$dir/corpus-$1")
  r2=$("$dir/provbench" rawhash -workers 2 "$dir/corpus-$1")
  echo "${r1##*mbps=}" > "$dir/raw1-$1-$2.txt"
  echo "${r2##*mbps=}" > "$dir/raw2-$1-$2.txt"
  printf '| %-42s | %8.1f | %10s | %7s | %7s | %8s | %6s | %6s |\n' "$1: raw read + SHA-256, 1 core" "${r1##*mbps=}" — — — — — — | tee -a "$dir/rows.md"
  printf '| %-42s | %8.1f | %10s | %7s | %7s | %8s | %6s | %6s |\n' "$1: raw read + SHA-256, 2 cores" "${r2##*mbps=}" — — — — — — | tee -a "$dir/rows.md"
}

# measure CORPUS LABEL CONFIG WORKERS CORES REP: one `prov run` from an
# empty ledger and work directory.
measure() {
  local corpus=$1 label=$2 cfg=$3 workers=$4 cores=$5 rep=$6 n out code
  n=$(basename "$cfg" .yaml)
  rm -rf "$dir/out-$n" "$dir/ledger-$n" "$dir/work-$n"
  out="$dir/run-$n-$rep.json"
  sync
  set +e
  GOMAXPROCS=$cores /usr/bin/time -f '%e %U %S %M' -o "$dir/time-$n-$rep.txt" \
    bin/prov -c "$cfg" run -o json --workers "$workers" --log-level warn > "$out" 2> "$dir/stderr-$n-$rep.txt"
  code=$?
  set -e
  if [[ $code != 0 && $code != 3 ]]; then echo "prov run ($corpus, $label) failed: exit $code"; tail -5 "$dir/stderr-$n-$rep.txt"; exit 1; fi
  local secs user sys rsskb recs bytes raw
  read -r secs user sys rsskb < <(tail -n 1 "$dir/time-$n-$rep.txt")
  recs=$(grep -m1 '"in"' "$out" | tr -dc '0-9')
  bytes=$(cat "$dir/bytes-$corpus.txt")
  raw=$(cat "$dir/raw$cores-$corpus-$rep.txt" 2>/dev/null || cat "$dir/raw2-$corpus-$rep.txt")
  echo "$secs $user $sys" > "$dir/secs-$n-$rep.txt"
  awk -v l="$corpus: $label" -v b="$bytes" -v s="$secs" -v u="$user" -v y="$sys" -v r="$rsskb" -v n="$recs" -v raw="$raw" \
    'BEGIN{c=u+y; printf "| %-42s | %8.1f | %10.0f | %7.1f | %7.1f | %8.1f | %5.1f%% | %6.0f |\n", l, b/1e6/s, n/s, s, c, b/1e6/c, 100*b/1e6/s/raw, r/1024}' \
    | tee -a "$dir/rows.md"
}

# Scaling is measured core for core: one worker on one core (GOMAXPROCS=1,
# what a pod with a 1-CPU limit gets) against two workers on two cores.
# One worker with both cores free is shown too: the garbage collector and
# the ledger's writer then run beside it.
run_local() { # CORPUS REP
  local c=$1 rep=$2
  write_cfg "$dir/$c-w1c1.yaml" "file://$PWD/$dir/corpus-$c" ""
  measure "$c" "local, 1 worker, 1 core" "$dir/$c-w1c1.yaml" 1 1 "$rep"
  write_cfg "$dir/$c-w1.yaml" "file://$PWD/$dir/corpus-$c" ""
  measure "$c" "local, 1 worker, $ncpu cores" "$dir/$c-w1.yaml" 1 "$ncpu" "$rep"
  write_cfg "$dir/$c-w2.yaml" "file://$PWD/$dir/corpus-$c" ""
  measure "$c" "local, 2 workers, 2 cores" "$dir/$c-w2.yaml" 2 2 "$rep"
}

gen short short "$SIZE" "$PARTS"
corpora=(short)
if [[ $LONG == 1 ]]; then
  gen long long "$LONG_SIZE" "$LONG_PARTS"
  corpora+=(long)
fi

port=${BENCH_S3_PORT:-7071}
export PROV_S3_ACCESS_KEY=testaccess PROV_S3_SECRET_KEY=testsecret123
./scripts/versitygw.sh start "$PWD/$dir/s3data" "$port" >/dev/null
trap './scripts/versitygw.sh stop >/dev/null 2>&1 || true' EXIT
go run ./cmd/s3seed "127.0.0.1:$port" bench "$dir/corpus-short" >/dev/null
write_cfg "$dir/short-s3-w2.yaml" "s3://bench" "s3:
  endpoint: 127.0.0.1:$port
  region: us-east-1
  insecure: true
  path_style: true"

: > "$dir/rows.md"
for rep in $(seq 1 "$REPEAT"); do
  echo "== repetition $rep of $REPEAT"
  for c in "${corpora[@]}"; do
    rawhash "$c" "$rep"
    run_local "$c" "$rep"
  done
  measure short "S3 (versitygw), 2 workers, 2 cores" "$dir/short-s3-w2.yaml" 2 2 "$rep"
done

# The ratios of each repetition, then their medians.
median() { sort -g | awk '{a[NR]=$1} END{if (NR==0) {print "nan"; exit}; if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { # CORPUS CONFIG CORES: wall MB/s over raw MB/s on as many cores, per repetition
  for rep in $(seq 1 "$REPEAT"); do
    awk -v b="$(cat "$dir/bytes-$1.txt")" -v s="$(cut -d' ' -f1 "$dir/secs-$2-$rep.txt")" -v r="$(cat "$dir/raw$3-$1-$rep.txt")" 'BEGIN{print b/1e6/s/r}'
  done | median
}
cpurate() { # CORPUS CONFIG: MB per CPU-second, per repetition
  for rep in $(seq 1 "$REPEAT"); do
    awk -v b="$(cat "$dir/bytes-$1.txt")" -v f="$(cat "$dir/secs-$2-$rep.txt")" 'BEGIN{split(f, t, " "); print b/1e6/(t[2]+t[3])}'
  done | median
}
scaling() { # CORPUS: 1 worker on 1 core over 2 workers on 2 cores, wall time
  for rep in $(seq 1 "$REPEAT"); do
    awk -v a="$(cut -d' ' -f1 "$dir/secs-$1-w1c1-$rep.txt")" -v b="$(cut -d' ' -f1 "$dir/secs-$1-w2-$rep.txt")" 'BEGIN{print a/b}'
  done | median
}
{
  for c in "${corpora[@]}"; do echo "$c corpus: $(cat "$dir/bytes-$c.txt") bytes ($(cat "$dir/gen-$c.txt"))"; done
  echo
  echo "| run                                        |     MB/s |  records/s |       s |   CPU s | MB/cpu-s |  % raw | RSS MB |"
  echo "|--------------------------------------------|---------:|-----------:|--------:|--------:|---------:|-------:|-------:|"
  cat "$dir/rows.md"
  echo
  echo "medians over $REPEAT repetition(s), each ratio within one repetition:"
  for c in "${corpora[@]}"; do
    printf '%s: end to end / raw read+sha256: %.1f %% (1 worker, 1 core), %.1f %% (2 workers, 2 cores); %.1f MB per CPU-second (1 worker, 1 core); 2 workers on 2 cores / 1 worker on 1 core: %.2fx (goal >= 1.8x)\n' \
      "$c" "$(awk -v x="$(ratio "$c" "$c-w1c1" 1)" 'BEGIN{print 100*x}')" "$(awk -v x="$(ratio "$c" "$c-w2" 2)" 'BEGIN{print 100*x}')" \
      "$(cpurate "$c" "$c-w1c1")" "$(scaling "$c")"
  done
  s3=$(for rep in $(seq 1 "$REPEAT"); do awk -v a="$(cut -d' ' -f1 "$dir/secs-short-w2-$rep.txt")" -v b="$(cut -d' ' -f1 "$dir/secs-short-s3-w2-$rep.txt")" 'BEGIN{print a/b}'; done | median)
  printf 'short: S3 / local (2 workers): %.1f %% (goal >= 80 %%)\n' "$(awk -v x="$s3" 'BEGIN{print 100*x}')"
} > "$dir/table.md"

echo; cat "$dir/table.md"
if [[ $PKG_BENCH == 1 ]]; then
  echo "== package benchmarks"
  # The 10-million-record ledger and serve load tests have their own targets
  # (make bench-ledger, make bench-serve): they take minutes.
  go test -run '^$' -bench . -skip 'Ledger10M|GraphLoad|GraphHandler|Lingua|Whatlanggo' -benchtime 1s -cpu 1 -benchmem ./pipeline/... ./stages/... ./lineage/... ./schemas/... 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)' | tee "$dir/packages.txt"
fi
