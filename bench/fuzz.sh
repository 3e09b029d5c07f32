#!/usr/bin/env bash
# The API fuzzed with schemathesis against its own OpenAPI schema (`make fuzz`; a shorter run
# in .ci/run): a fresh database with the demo organisation, gunicorn on 127.0.0.1, and every
# operation of /api/schema/ driven with generated requests, authenticated with a DRF token,
# once per user named in FUZZ_USERS. Fails on any 5xx and on any response that does not match
# the schema (status codes, content types, headers, bodies).
#
#   bash bench/fuzz.sh          # every phase, 200 examples per operation, as admin and erik
#   FUZZ_EXAMPLES=20 FUZZ_USERS=admin FUZZ_PHASES=examples,fuzzing,stateful bash bench/fuzz.sh
#                               # the CI run (.ci/run): about 4 minutes
#
# Loopback only; every wait is bounded; the server and the scratch directory go on exit.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
PY="$ROOT/.venv/bin/python"
EXAMPLES="${FUZZ_EXAMPLES:-200}"
USERS="${FUZZ_USERS:-admin erik}"
PORT="${FUZZ_PORT:-8741}"
SEED="${FUZZ_SEED:-}"
PHASES="${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
RUN_DIR="$(mktemp -d /tmp/itsm-fuzz.XXXXXX)"
HOST_URL="http://127.0.0.1:$PORT"

die() { printf 'bench/fuzz.sh: %s\n' "$*" >&2; exit 1; }
[[ "$EXAMPLES" =~ ^[0-9]+$ ]] && (( EXAMPLES >= 1 && EXAMPLES <= 5000 )) \
    || die "FUZZ_EXAMPLES must be 1..5000 (got $EXAMPLES)"
[ -x "$PY" ] || die "no .venv under $ROOT (run make venv first)"

export DJANGO_SETTINGS_MODULE=itsm.settings
export VAR_DIR="$RUN_DIR/var"
export DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite:///$RUN_DIR/var/fuzz.sqlite3}"
export CELERY_BROKER_URL="filesystem://"
export REDIS_URL=""
export CACHE_KEY_PREFIX=fuzz
export LOG_LEVEL=WARNING
# Fuzzing is thousands of requests a minute: the rate limits would turn it into a 429 test.
export API_THROTTLE_USER=100000000/min API_THROTTLE_ANON=100000000/min
export API_THROTTLE_TOKEN=100000000/min API_THROTTLE_INTEGRATION=100000000/min
export PYTHONDONTWRITEBYTECODE=1
unset DEBUG

GUNICORN_PID=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID"
        for _ in $(seq 1 30); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$GUNICORN_PID" 2>/dev/null
        wait "$GUNICORN_PID" 2>/dev/null
    fi
    if [ "$rc" = 0 ]; then rm -rf "$RUN_DIR"; else echo "bench/fuzz.sh: logs kept in $RUN_DIR" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$ROOT"
mkdir -p "$VAR_DIR"
echo "== database with the demo organisation"
timeout 600 "$PY" manage.py migrate --noinput -v0
timeout 600 "$PY" manage.py demo_data --quiet
TOKENS="$(FUZZ_USERS="$USERS" timeout 120 "$PY" manage.py shell -v0 -c '
import os
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
for name in os.environ["FUZZ_USERS"].split():
    user = get_user_model().objects.get(username=name)
    print(name + "=" + Token.objects.get_or_create(user=user)[0].key)
')"
[ -n "$TOKENS" ] || die "could not create the API tokens"

echo "== gunicorn on $HOST_URL"
# No request-line limit: gunicorn's own 414 for a generated 5 KB query string is the server's
# answer, not the application's, and is not in the schema (production keeps the default).
"$ROOT/.venv/bin/gunicorn" itsm.wsgi:application --chdir "$ROOT" --workers 2 \
    --bind "127.0.0.1:$PORT" --timeout 60 --limit-request-line 0 >"$RUN_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
up=0
for _ in $(seq 1 60); do
    kill -0 "$GUNICORN_PID" 2>/dev/null || { tail -20 "$RUN_DIR/gunicorn.log" >&2; die "gunicorn exited"; }
    if "$PY" -c "import urllib.request as u; u.urlopen('$HOST_URL/healthz', timeout=2)" 2>/dev/null; then
        up=1; break
    fi
    sleep 0.5
done
[ "$up" = 1 ] || die "gunicorn did not answer /healthz within 30 s"

# The schema, fetched once (generating it takes seconds on a busy machine; schemathesis gives
# a schema URL 10 s), then every run reads it from the file and calls the server.
"$PY" -c "
import sys, urllib.request as u
open(sys.argv[1], 'wb').write(u.urlopen('$HOST_URL/api/schema/?format=json', timeout=180).read())
" "$RUN_DIR/schema.json" || die "could not fetch $HOST_URL/api/schema/"

status=0
for entry in $TOKENS; do
    user="${entry%%=*}"; token="${entry#*=}"
    echo "== schemathesis as $user: $EXAMPLES examples per operation, every check"
    # Every check but the two that judge acceptance: a schema cannot say which ids exist or
    # which domain rule refuses a well-formed request (400 on an unknown service id is right),
    # nor every rule of DRF's lenient parsing; see bench/README.md.
    timeout 1800 "$ROOT/.venv/bin/schemathesis" --config-file "$BENCH_DIR/schemathesis.toml" \
        run "$RUN_DIR/schema.json" --url "$HOST_URL" \
        --header "Authorization: Token $token" \
        --checks all \
        --exclude-checks positive_data_acceptance,negative_data_rejection \
        --max-examples "$EXAMPLES" \
        --phases "$PHASES" \
        --generation-database none \
        ${SEED:+--seed "$SEED"} \
        --request-timeout 30 \
        --no-color \
        --report junit --report-dir "$RUN_DIR/report-$user" \
        || status=1
done
server_errors="$(grep -c 'Internal Server Error' "$RUN_DIR/gunicorn.log" || true)"
echo "== 5xx logged by the server: $server_errors"
[ "$server_errors" = 0 ] || { grep -A20 'Internal Server Error' "$RUN_DIR/gunicorn.log" | head -80; status=1; }
exit "$status"
