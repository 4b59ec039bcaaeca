#!/usr/bin/env bash
# versitygw.sh: the S3 server (versitygw, Apache-2.0) used by the S3 tests and
# `make demo-s3`.
#
#   scripts/versitygw.sh install            build it into <repo>/.tools/bin (once)
#   scripts/versitygw.sh start DATA_DIR PORT start it on 127.0.0.1:PORT, print the endpoint
#   scripts/versitygw.sh stop               stop the server started by `start`
#   scripts/versitygw.sh path               print the binary's path
#
# The binary is $VERSITYGW if set, else <repo>/.tools/bin/versitygw. Test
# credentials: testaccess / testsecret123 (override with VGW_ACCESS and
# VGW_SECRET); region us-east-1. Only Go is needed to install.
set -euo pipefail

VERSION=v1.8.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
BIN="${VERSITYGW:-$TOOLS/bin/versitygw}"
PIDFILE="$TOOLS/versitygw.pid"
LOGFILE="$TOOLS/versitygw.log"
ACCESS="${VGW_ACCESS:-testaccess}"
SECRET="${VGW_SECRET:-testsecret123}"
REGION=us-east-1

die() { echo "versitygw.sh: $*" >&2; exit 1; }

install() {
	if [[ -x "$BIN" ]]; then
		return 0
	fi
	[[ -z "${VERSITYGW:-}" ]] || die "VERSITYGW=$VERSITYGW is not an executable file"
	command -v go >/dev/null || die "go is not on PATH"
	echo "installing versitygw $VERSION into $TOOLS/bin (about 2 minutes on 2 cores)" >&2
	mkdir -p "$TOOLS/bin"
	GOBIN="$TOOLS/bin" go install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
}

running() {
	[[ -f "$PIDFILE" ]] || return 1
	local pid
	pid=$(cat "$PIDFILE")
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q versitygw
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
	local dir=${1:-} port=${2:-}
	[[ -n "$dir" && -n "$port" ]] || die "usage: $0 start DATA_DIR PORT"
	[[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
	install
	if running; then
		die "already running (pid $(cat "$PIDFILE")); run '$0 stop' first"
	fi
	port_open "$port" && die "port $port on 127.0.0.1 is already in use"
	mkdir -p "$dir" "$TOOLS"
	dir=$(cd "$dir" && pwd)
	nohup "$BIN" --access "$ACCESS" --secret "$SECRET" --port "127.0.0.1:$port" \
		--region "$REGION" --quiet posix "$dir" >"$LOGFILE" 2>&1 &
	echo $! >"$PIDFILE"
	for _ in $(seq 100); do
		if port_open "$port"; then
			echo "127.0.0.1:$port"
			echo "versitygw serving $dir on http://127.0.0.1:$port (pid $(cat "$PIDFILE"), log $LOGFILE)" >&2
			echo "credentials: export PROV_S3_ACCESS_KEY=$ACCESS PROV_S3_SECRET_KEY=$SECRET" >&2
			return 0
		fi
		running || { cat "$LOGFILE" >&2; rm -f "$PIDFILE"; die "versitygw exited"; }
		sleep 0.1
	done
	cat "$LOGFILE" >&2
	stop
	die "versitygw did not listen on 127.0.0.1:$port within 10 s"
}

stop() {
	if running; then
		local pid
		pid=$(cat "$PIDFILE")
		kill "$pid"
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		echo "versitygw (pid $pid) stopped" >&2
	fi
	rm -f "$PIDFILE"
}

case "${1:-}" in
install) install ;;
start) shift; start "$@" ;;
stop) stop ;;
path) install; echo "$BIN" ;;
*) die "usage: $0 install | start DATA_DIR PORT | stop | path" ;;
esac
