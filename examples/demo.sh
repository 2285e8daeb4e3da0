#!/usr/bin/env bash
# `make demo`: runs examples/validator under tend and shows it working.
# State goes to build/demo-home (TEND_HOME), so nothing outside the checkout changes.
set -euo pipefail
tend="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
export TEND_HOME="$root/build/demo-home"
cd "$root/examples/validator"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2; shift 2
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then echo "timed out waiting for $what" >&2; return 1; fi
        sleep 0.2
    done
}
is_state() { test "$(state_of "$1" state)" = "$2"; }
has_new_pid() { local pid; pid=$(state_of "$1" pid); test "$pid" != "$2" -a "$pid" != 0; }
state_of() { "$tend" status --json | python3 -c "import json,sys; s=json.load(sys.stdin); print({m['name']: m for g in s['groups'] for m in g['members']}['$1']['$2'])"; }

step "tend check: validate the app file"
"$tend" check

step "tend up: start the daemon and apply tend.toml"
"$tend" up

step "waiting until every process is running"
wait_for 20 "web" is_state web.0 running
wait_for 20 "the deciders" is_state decider.2 running
"$tend" status

step "the web process answers on port 8080"
python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8080/hello').read().decode())"

step "kill -9 worker.2: tend notices at once and starts it again"
old=$(state_of worker.2 pid)
kill -9 "$old"
wait_for 10 "worker.2 to come back" has_new_pid worker.2 "$old"
echo "worker.2 was pid $old, now pid $(state_of worker.2 pid)"

step "a job on demand (tend run --wait) and its history"
"$tend" run sweep --wait
"$tend" calendar "30 1 * * *" --tz Europe/London --from 2027-03-27 -n 2
"$tend" history -n 5

step "files dropped into inbox/ are items: two steps each, then moved (tend history papers)"
mkdir -p inbox
echo "A paper about tend." > inbox/paper-1.txt
: > inbox/empty.txt
wait_for 20 "the papers to be processed" test -e inbox/done/paper-1.txt -a -e inbox/rejected/empty.txt
"$tend" history papers
"$tend" history papers --item "$PWD/inbox/paper-1.txt"

step "recent events (tend status --events)"
"$tend" status --events -n 12

step "what the workers wrote (logs/worker.log)"
tail -n 5 "$TEND_HOME/validator/logs/worker.log"

cat <<EOT

The demo app keeps running under tend. Try, from examples/validator with TEND_HOME=$TEND_HOME:
  $tend status              # flaky crashes now and then and is restarted with backoff
  $tend restart worker      # restart a group
  $tend history sweep       # the sweep job runs every 10 seconds
  $tend apply --plan        # after editing tend.toml
  $tend down                # stop everything
EOT
