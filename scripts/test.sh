#!/usr/bin/env bash
# Runs every test of ziggurat, real peer servers included.
#
# Needs only the Rust toolchain, Python 3 and Node. On first use it installs, under .peers/
# (git-ignored, reused by later runs):
#   - moto server (PyPI moto[server]==5.2.5) in a Python venv,
#   - dynalite (npm dynalite@4.0.0),
#   - an OTLP/HTTP receiver's protobuf definitions (PyPI opentelemetry-proto==1.45.2) in a
#     Python venv; the receiver itself is scripts/otlp_receiver.py.
# It starts them on free 127.0.0.1 ports, runs `cargo test` with their URLs in
# ZIGGURAT_MOTO_URL, ZIGGURAT_DYNALITE_URL and ZIGGURAT_OTLP_URL, and stops them on exit,
# whatever happens.
# The S3 peer (s3s-fs) runs inside the tests themselves.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$root/.peers"
mkdir -p "$peers"
cd "$root"

log() { printf '[test.sh] %s\n' "$*" >&2; }

# --- install (idempotent) ---------------------------------------------------------------
if [ ! -x "$peers/motoenv/bin/moto_server" ]; then
  log "installing moto[server]==5.2.5 into $peers/motoenv"
  rm -rf "$peers/motoenv"
  python3 -m venv "$peers/motoenv"
  "$peers/motoenv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi
if ! "$peers/otlpenv/bin/python" -c 'import opentelemetry.proto' 2>/dev/null; then
  log "installing opentelemetry-proto==1.45.2 into $peers/otlpenv"
  rm -rf "$peers/otlpenv"
  python3 -m venv "$peers/otlpenv"
  "$peers/otlpenv/bin/pip" install --quiet --disable-pip-version-check 'opentelemetry-proto==1.45.2'
fi
if [ ! -x "$peers/npm/node_modules/.bin/dynalite" ]; then
  log "installing dynalite@4.0.0 into $peers/npm"
  mkdir -p "$peers/npm"
  (cd "$peers/npm" && { [ -f package.json ] || npm init -y >/dev/null; } \
     && npm install --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null)
fi

# --- start ----------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_ready() { # name url pid
  python3 - "$1" "$2" "$3" <<'PY'
import sys, time, urllib.request, urllib.error, os
name, url, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 60
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"{name} exited before it was ready")
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)   # it answered
    except Exception:
        time.sleep(0.1)
sys.exit(f"{name} was not ready within 60 s")
PY
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

moto_port="$(free_port)"
"$peers/motoenv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$peers/moto.log" 2>&1 &
pids+=("$!")
wait_ready moto "http://127.0.0.1:$moto_port/moto-api/" "${pids[-1]}"

dyn_port="$(free_port)"
"$peers/npm/node_modules/.bin/dynalite" --host 127.0.0.1 --port "$dyn_port" --createTableMs 50 \
  >"$peers/dynalite.log" 2>&1 &
pids+=("$!")
wait_ready dynalite "http://127.0.0.1:$dyn_port/" "${pids[-1]}"

otlp_port="$(free_port)"
"$peers/otlpenv/bin/python" "$root/scripts/otlp_receiver.py" "$otlp_port" >"$peers/otlp.log" 2>&1 &
pids+=("$!")
wait_ready otlp-receiver "http://127.0.0.1:$otlp_port/" "${pids[-1]}"

export ZIGGURAT_MOTO_URL="http://127.0.0.1:$moto_port"
export ZIGGURAT_DYNALITE_URL="http://127.0.0.1:$dyn_port"
export ZIGGURAT_OTLP_URL="http://127.0.0.1:$otlp_port"
log "moto at $ZIGGURAT_MOTO_URL, dynalite at $ZIGGURAT_DYNALITE_URL, OTLP receiver at $ZIGGURAT_OTLP_URL"

# --- test -----------------------------------------------------------------------------
# No test may reach the instance metadata service: the credential and region chains skip it.
export AWS_EC2_METADATA_DISABLED=true
# No incremental cache by default: a one-off build (CI, a fresh machine) gains nothing from it
# and it would add about as much disk as the build itself. Set CARGO_INCREMENTAL=1 to keep it.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo test --workspace --all-features "$@"
