#!/usr/bin/env bash
# Acceptance check of the etcd backend (issue 5), on real processes:
#
#   1. etcd on a free port, in a temporary directory;
#   2. `bin/adagiod -backend-type=etcd -etcd-addresses=URL -listen 127.0.0.1:PORT api`, and an
#      `agent` process with `-agent-count 3`;
#   3. a run whose exec node sleeps 6 s (retry rule on error) is started and claimed by that agent;
#   4. a second agent process is started, and the first is killed with SIGKILL;
#   5. 30 runs are started, each appending a unique token to a ledger file through exec.
#
# Within 90 s: all 30 runs complete; the ledger has 30 lines and no duplicate; the killed agent's
# node has exactly the attempts ERROR (orphaned), SUCCESS. Prints PASS or FAIL (exit 0 or 1) and
# cleans up everything it started. Needs: etcd (Debian package etcd-server), curl, jq, a JDK 21+.
#
# Usage: scripts/etcd-acceptance.sh        (ADAGIO_KEEP_TMP=1 keeps the temp dir with the logs)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)

for tool in etcd curl jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: '$tool' is not installed (etcd: apt-get install etcd-server; curl, jq: apt-get install curl jq)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/adagio-acceptance.XXXXXX")
ledger="$tmp/ledger"
: >"$ledger"
pids=()
etcd_pid=""
verdict="FAIL"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
  # Only what this script started, by pid: SIGTERM (graceful), then SIGKILL for stragglers.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$etcd_pid" ]; then kill -TERM "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi
  if [ "$verdict" != "PASS" ]; then
    for f in "$tmp"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $(basename "$f")" >&2
      tail -n 25 "$f" >&2
    done
  fi
  if [ "${ADAGIO_KEEP_TMP:-0}" = 1 ]; then echo "logs kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "FAIL: $*"
  exit 1
}

# A loopback port nobody listens on (bash's /dev/tcp connect fails on a free port).
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Waits (up to $2 seconds) until the command in $1 succeeds.
wait_for() {
  local what=$1 seconds=$2 cmd=$3 end=$((SECONDS + $2))
  until eval "$cmd" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$end" ]; then fail "$what: not within ${seconds}s"; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------- etcd
client_port=$(free_port)
peer_port=$(free_port)
etcd_url="http://127.0.0.1:$client_port"
log "starting etcd at $etcd_url (data in $tmp/etcd)"
etcd --name acceptance --data-dir "$tmp/etcd" \
  --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "acceptance=http://127.0.0.1:$peer_port" >"$tmp/etcd.log" 2>&1 &
etcd_pid=$!
wait_for "etcd healthy" 30 "curl -sf $etcd_url/health | grep -q '\"health\":\"true\"'"

# ---------------------------------------------------------------------------- adagiod
# Build once now if needed (bin/adagiod builds on first use), rather than in several processes at once.
"$root/bin/adagiod" -help >/dev/null

api_port=$(free_port)
api="http://127.0.0.1:$api_port"
backend=(-backend-type=etcd "-etcd-addresses=$etcd_url")
# A namespace of its own, so that the check never sees anything else kept in that etcd.
export ADAGIOD_ETCD_NAMESPACE="acceptance-$$"

log "starting adagiod api on $api"
"$root/bin/adagiod" "${backend[@]}" -listen "127.0.0.1:$api_port" api >"$tmp/api.log" 2>&1 &
pids+=($!)
log "starting the first agent process (3 agents)"
"$root/bin/adagiod" "${backend[@]}" agent -agent-count 3 >"$tmp/agent1.log" 2>&1 &
agent1_pid=$!
pids+=("$agent1_pid")

wait_for "API answering" 90 "curl -sf $api/v0/stats"
wait_for "first agent started" 90 "grep -q 'started with 3 workers' '$tmp/agent1.log'"
agent1_id=$(sed -n 's/.* agent \([^ ]*\) started with 3 workers.*/\1/p' "$tmp/agent1.log" | head -n 1)
log "first agent: $agent1_id (pid $agent1_pid)"

start_run() { # $1: spec JSON; prints the run id
  curl -sf -X PUT "$api/v0/runs" -H 'content-type: application/json' -d "{\"spec\": $1}" | jq -er '.run.id'
}
run_json() { curl -sf "$api/v0/runs/$1"; }

# ---------------------------------------------------------------------------- the long node
long_spec='{"nodes": [{"name": "long", "runtime": "exec", "retry": {"error": {"max_attempts": 2}},
  "metadata": {"adagio.arguments.exec.command": {"values": ["sh"]},
               "adagio.arguments.exec.args": {"values": ["-c", "sleep 6"]}}}]}'
long_run=$(start_run "$long_spec") || fail "could not start the long run"
log "started run $long_run (exec: sleep 6, retry on error)"
long_node='.run.nodes[] | select(.spec.name == "long")'
wait_for "long node claimed by the first agent" 30 \
  "run_json $long_run | jq -e '$long_node | select(.status == \"RUNNING\") | .claim.metadata[\"adagio.agent.id\"].values[0] == \"$agent1_id\"'"
log "node \"long\" is running on the first agent"

log "starting the second agent process"
"$root/bin/adagiod" "${backend[@]}" agent -agent-count 3 >"$tmp/agent2.log" 2>&1 &
pids+=($!)
wait_for "second agent started" 90 "grep -q 'started with 3 workers' '$tmp/agent2.log'"
wait_for "two agents listed" 30 "curl -sf $api/v0/agents | jq -e '.agents | length == 2'"

log "killing the first agent process with SIGKILL"
kill -KILL "$agent1_pid"
{ wait "$agent1_pid"; } 2>/dev/null || true # reap it quietly (bash would report "Killed")

# ---------------------------------------------------------------------------- 30 ledger runs
declare -A token_of=()
runs=()
for i in $(seq 1 30); do
  token="token-$i-$RANDOM$RANDOM-$$"
  spec="{\"nodes\": [{\"name\": \"append\", \"runtime\": \"exec\",
    \"metadata\": {\"adagio.arguments.exec.command\": {\"values\": [\"sh\"]},
                 \"adagio.arguments.exec.args\": {\"values\": [\"-c\", \"echo $token >> '$ledger'\"]}}}]}"
  id=$(start_run "$spec") || fail "could not start ledger run $i"
  runs+=("$id")
  token_of[$id]=$token
done
log "started ${#runs[@]} ledger runs; waiting up to 90 s"

deadline=$((SECONDS + 90))
while true; do
  pending=0
  for id in "${runs[@]}" "$long_run"; do
    status=$(run_json "$id" | jq -r '.run.status // "WAITING"' 2>/dev/null || echo unknown)
    [ "$status" = COMPLETED ] || pending=$((pending + 1))
  done
  [ "$pending" -eq 0 ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then fail "$pending run(s) not completed within 90 s"; fi
  sleep 1
done
log "all runs completed"

# ---------------------------------------------------------------------------- checks
problems=()
for id in "${runs[@]}"; do
  conclusions=$(run_json "$id" | jq -r '[.run.nodes[0].attempts[].conclusion] | join(",")')
  [ "$conclusions" = SUCCESS ] || problems+=("run $id: ledger node attempts $conclusions, expected SUCCESS")
  grep -qx "${token_of[$id]}" "$ledger" || problems+=("run $id: token ${token_of[$id]} missing from the ledger")
done
lines=$(wc -l <"$ledger")
[ "$lines" -eq 30 ] || problems+=("the ledger has $lines lines, expected 30")
duplicates=$(sort "$ledger" | uniq -d)
[ -z "$duplicates" ] || problems+=("tokens appended twice: $duplicates")
long_attempts=$(run_json "$long_run" | jq -r "[$long_node | .attempts[].conclusion] | join(\",\")")
[ "$long_attempts" = "ERROR,SUCCESS" ] || problems+=("the orphaned node's attempts are $long_attempts, expected ERROR,SUCCESS")
first_output=$(run_json "$long_run" | jq -r "$long_node | .attempts[0].output // \"\"" | base64 -d 2>/dev/null || true)
[ "$first_output" = "node was orphaned" ] || problems+=("the orphaned node's ERROR attempt says \"$first_output\"")
if curl -sf "$api/v0/agents" | jq -e ".agents[] | select(.id == \"$agent1_id\")" >/dev/null; then
  problems+=("the killed agent $agent1_id is still listed")
fi

log "ledger: $lines lines, $(sort -u "$ledger" | wc -l) distinct; orphaned node attempts: $long_attempts"
if [ "${#problems[@]}" -gt 0 ]; then
  printf '  - %s\n' "${problems[@]}"
  fail "${#problems[@]} problem(s)"
fi
verdict="PASS"
echo "PASS: 30/30 runs completed, ledger has 30 distinct lines, the orphaned node's attempts are ERROR, SUCCESS"
