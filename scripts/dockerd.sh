#!/usr/bin/env bash
# Starts or stops the project's own Docker Engine: own data root (kept between runs, so base
# images built by the factory are reused), own socket, no bridge network and no iptables rules,
# since test containers run with --network none and must never reach anything.
#   scripts/dockerd.sh start   # prints the DOCKER_HOST to export
#   scripts/dockerd.sh stop
set -euo pipefail
state=${EXIT139_GUARD_DOCKER_STATE:-/var/lib/exit139-guard-docker}
run=${EXIT139_GUARD_DOCKER_RUN:-/run/exit139-guard-docker}
sock="$run/docker.sock"
host="unix://$sock"

case "${1:-}" in
  start)
    mkdir -p "$state" "$run"
    if [ -S "$sock" ] && DOCKER_HOST="$host" docker version >/dev/null 2>&1; then
      echo "$host"
      exit 0
    fi
    command -v dockerd >/dev/null || { echo "dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
    rm -f "$run/docker.pid" "$sock"
    nohup dockerd --data-root "$state/data" --exec-root "$run/exec" -H "$host" \
      --pidfile "$run/docker.pid" --bridge=none --iptables=false --ip-masq=false \
      >"$run/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do
      if DOCKER_HOST="$host" docker version >/dev/null 2>&1; then
        echo "$host"
        exit 0
      fi
      sleep 0.5
    done
    echo "dockerd did not come up within 60 s; its log:" >&2
    tail -n 40 "$run/dockerd.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$run/docker.pid" ]; then
      pid=$(cat "$run/docker.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$run/docker.pid" "$sock"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
