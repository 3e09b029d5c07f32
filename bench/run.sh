#!/usr/bin/env bash
# The incident benchmark, end to end: a fresh PostgreSQL database with 100,000 seeded
# incidents, gunicorn (4 sync workers) on 127.0.0.1, five locust scenarios one after another,
# SQL queries per request, one table; the table also goes to bench/results/. See README.md.
#
#   bash bench/run.sh
#
# Loopback only. Every wait is bounded in time and count; gunicorn is stopped and the
# database dropped on exit, failure included.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"

SECONDS_EACH="${BENCH_SECONDS:-20}"
MIXED_SECONDS="${BENCH_MIXED_SECONDS:-30}"
MIXED_USERS="${BENCH_MIXED_USERS:-12}"
USERS="${BENCH_USERS:-8}"
WORKERS="${BENCH_WORKERS:-4}"
WARMUP="${BENCH_WARMUP:-3}"
PORT="${BENCH_PORT:-8701}"
INCIDENTS="${BENCH_INCIDENTS:-100000}"
DB="${BENCH_DB:-itsm_bench}"
REDIS_DB="${BENCH_REDIS_DB:-13}"
KEEP_DB="${BENCH_KEEP_DB:-0}"
PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
RUN_DIR="$BENCH_DIR/.run"          # scratch: static files, logs, JSON (git-ignored)
RESULTS_DIR="$BENCH_DIR/results"
STAMP="$(date +%F)"
RESULT_FILE="$RESULTS_DIR/incidents-$STAMP.txt"

say() { printf '\n== %s\n' "$*"; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }
is_int() { [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= $2 && $1 <= $3 )); }

is_int "$SECONDS_EACH" 1 600 || die "BENCH_SECONDS must be 1..600 (got $SECONDS_EACH)"
is_int "$USERS" 1 64 || die "BENCH_USERS must be 1..64 (got $USERS)"
is_int "$MIXED_SECONDS" 1 600 || die "BENCH_MIXED_SECONDS must be 1..600 (got $MIXED_SECONDS)"
is_int "$MIXED_USERS" 4 64 || die "BENCH_MIXED_USERS must be 4..64 (got $MIXED_USERS)"
is_int "$WORKERS" 1 16 || die "BENCH_WORKERS must be 1..16 (got $WORKERS)"
is_int "$WARMUP" 0 60 || die "BENCH_WARMUP must be 0..60 (got $WARMUP)"
is_int "$PORT" 1024 65535 || die "BENCH_PORT must be 1024..65535 (got $PORT)"
is_int "$INCIDENTS" 1 1000000 || die "BENCH_INCIDENTS must be 1..1000000 (got $INCIDENTS)"
is_int "$REDIS_DB" 1 15 || die "BENCH_REDIS_DB must be 1..15 (got $REDIS_DB)"
[[ "$DB" =~ ^itsm_bench[a-z0-9_]*$ ]] || die "BENCH_DB must start with itsm_bench (it is dropped)"
[ -x "$PY" ] && [ -x "$GUNICORN" ] || die "no .venv with gunicorn under $ROOT (run make venv first)"
command -v psql >/dev/null || die "psql is needed (postgresql-client)"

HOST_URL="http://127.0.0.1:$PORT"
export DJANGO_SETTINGS_MODULE=itsm.settings
export DEBUG=false
export SECRET_KEY="bench-only-$(printf '%050d' 0)-not-for-production"
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false
export DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
export CACHE_KEY_PREFIX=bench
export VAR_DIR="$RUN_DIR/var"
export STATIC_ROOT="$RUN_DIR/static"
export LOG_LEVEL=WARNING
# The API's per-user throttle (1200/min by default) would turn a load test into a 429 test.
export API_THROTTLE_USER="${API_THROTTLE_USER:-1000000/min}"
export PYTHONDONTWRITEBYTECODE=1

GUNICORN_PID=""
CELERY_PID=""
STATIC_PID=""
STARTED_PG_DIR=""
STARTED_REDIS_PID=""
FINISHED=0

psql_admin() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

redis_flush() {
    "$PY" - <<EOF 2>/dev/null || true
import socket
s = socket.create_connection(("127.0.0.1", $REDIS_PORT), timeout=3)
s.sendall(b"SELECT $REDIS_DB\r\nFLUSHDB\r\n")
s.recv(100)
s.close()
EOF
}

stop_pid() {  # pid, name: TERM, up to 15 s, then KILL
    local pid="$1" i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "  $2 did not stop; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    say "cleaning up"
    stop_pid "$STATIC_PID" collectstatic
    stop_pid "$CELERY_PID" "celery worker"
    stop_pid "$GUNICORN_PID" gunicorn && [ -n "$GUNICORN_PID" ] && echo "  gunicorn stopped"
    if [ "$KEEP_DB" = 1 ]; then
        echo "  BENCH_KEEP_DB=1: database $DB kept"
    else
        psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" && echo "  database $DB dropped"
        redis_flush
    fi
    if [ -n "$STARTED_REDIS_PID" ]; then stop_pid "$STARTED_REDIS_PID" redis-server; fi
    if [ -n "$STARTED_PG_DIR" ]; then
        as_postgres pg_ctl -D "$STARTED_PG_DIR/data" -m fast -w -t 30 stop >/dev/null
        rm -rf "$STARTED_PG_DIR"
    fi
    if [ "$rc" = 0 ] && [ "$FINISHED" = 1 ] && [ "$KEEP_DB" != 1 ]; then
        rm -rf "$RUN_DIR"
    else
        echo "  logs and JSON kept in $RUN_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_postgres() {  # run a PostgreSQL binary as the postgres user when we are root
    local bin; bin="$(command -v "$1" || echo "$PG_BIN/$1")"; shift
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin" "$@"; else "$bin" "$@"; fi
}

# --- 1. services ----------------------------------------------------------------------------
say "services"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR" "$VAR_DIR" "$RESULTS_DIR"
if pg_isready -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1; then
    echo "  PostgreSQL answers on $PG_HOST:$PG_PORT"
else
    command -v initdb >/dev/null || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT and initdb is missing"
    PG_BIN="$(dirname "$(command -v initdb)")"
    STARTED_PG_DIR="$(mktemp -d /tmp/itsm-bench-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres "$STARTED_PG_DIR"
    as_postgres initdb -D "$STARTED_PG_DIR/data" -U postgres -A trust >/dev/null
    as_postgres pg_ctl -D "$STARTED_PG_DIR/data" -l "$STARTED_PG_DIR/log" -w -t 30 \
        -o "-c listen_addresses=$PG_HOST -p $PG_PORT -k $STARTED_PG_DIR" start >/dev/null
    echo "  started a throw-away PostgreSQL in $STARTED_PG_DIR"
fi
if "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $REDIS_PORT), timeout=2)" 2>/dev/null; then
    echo "  Redis answers on 127.0.0.1:$REDIS_PORT (db $REDIS_DB)"
else
    command -v redis-server >/dev/null || die "Redis does not answer on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        >"$RUN_DIR/redis.log" 2>&1 &
    STARTED_REDIS_PID=$!
    for _ in $(seq 1 20); do
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $REDIS_PORT), timeout=1)" 2>/dev/null && break
        sleep 0.5
    done
    echo "  started redis-server (pid $STARTED_REDIS_PID)"
fi
if "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), timeout=1)" 2>/dev/null; then
    die "something already listens on 127.0.0.1:$PORT; set BENCH_PORT"
fi

# --- 2. database, demo data, static files ---------------------------------------------------
say "database $DB"
psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
psql_admin -c "CREATE DATABASE \"$DB\""
redis_flush
cd "$ROOT"
# collectstatic (whitenoise compresses every file: ~45 s on 2 cores) needs no database; it
# runs alongside migrate and demo_data and is waited for before seeding, so the seeding time
# printed below is not inflated by it.
timeout 900 "$PY" manage.py collectstatic --noinput -v0 >"$RUN_DIR/collectstatic.log" 2>&1 &
STATIC_PID=$!
timeout 600 "$PY" manage.py migrate --noinput -v0
echo "  migrated"
timeout 600 "$PY" manage.py demo_data --quiet
echo "  demo data loaded"
wait "$STATIC_PID" || { cat "$RUN_DIR/collectstatic.log" >&2; die "collectstatic failed"; }
echo "  static files collected"

say "seeding $INCIDENTS incidents"
BENCH_INCIDENTS="$INCIDENTS" BENCH_STATE="$RUN_DIR/seed.json" timeout 1800 "$PY" "$BENCH_DIR/seed.py" \
    | tee "$RUN_DIR/seed.txt"
TOKEN="$(timeout 120 "$PY" manage.py shell -c '
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
print("TOKEN=" + Token.objects.get_or_create(user=get_user_model().objects.get(username="erik"))[0].key)
' 2>/dev/null | sed -n 's/^TOKEN=//p')"
[ -n "$TOKEN" ] || die "could not create the API token for erik"
read -r NUMBERS SERVICE_IDS < <("$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["first_number"] + ":" + s["last_number"], ",".join(map(str, s["service_ids"])))
' "$RUN_DIR/seed.json")
[ -n "${NUMBERS:-}" ] && [ -n "${SERVICE_IDS:-}" ] || die "no seeded numbers in $RUN_DIR/seed.json"

# --- 3. SQL queries per request (in-process; also the smoke test) ---------------------------
say "SQL queries per request (Django test Client)"
timeout 300 "$PY" "$BENCH_DIR/queries.py" --out "$RUN_DIR/queries.json"
say "problem detection"
timeout 300 "$PY" "$BENCH_DIR/detect.py" | tee "$RUN_DIR/detect.txt"

# --- 4. gunicorn ----------------------------------------------------------------------------
say "gunicorn: $WORKERS sync workers on 127.0.0.1:$PORT"
"$GUNICORN" itsm.wsgi:application --chdir "$ROOT" --workers "$WORKERS" --worker-class sync \
    --bind "127.0.0.1:$PORT" --timeout 60 --graceful-timeout 10 \
    >"$RUN_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
up=0
for _ in $(seq 1 120); do
    kill -0 "$GUNICORN_PID" 2>/dev/null || { tail -20 "$RUN_DIR/gunicorn.log" >&2; die "gunicorn exited"; }
    if "$PY" -c "
import urllib.request, sys
sys.exit(0 if urllib.request.urlopen('$HOST_URL/healthz', timeout=2).status == 200 else 1)" 2>/dev/null; then
        up=1; break
    fi
    sleep 0.5
done
[ "$up" = 1 ] || die "gunicorn did not answer /healthz within 60 s"
echo "  /healthz answers (pid $GUNICORN_PID)"

# --- 5. load --------------------------------------------------------------------------------
say "load: locust, $USERS users, ${SECONDS_EACH} s per scenario"
BENCH_TOKEN="$TOKEN" BENCH_NUMBERS="$NUMBERS" BENCH_SERVICE_IDS="$SERVICE_IDS" \
    timeout $(( 5 * (SECONDS_EACH + WARMUP + 90) )) \
    "$PY" "$BENCH_DIR/drive.py" --host "$HOST_URL" --users "$USERS" --seconds "$SECONDS_EACH" \
    --warmup "$WARMUP" --out "$RUN_DIR/load.json" 2>"$RUN_DIR/locust.log" \
    || { tail -20 "$RUN_DIR/locust.log" >&2; die "the load run failed"; }

# --- 5b. the mixed workload -----------------------------------------------------------------
# Everything at once, as a working day looks: agents on queues, details and search, an
# integration creating and updating through the API, Alertmanager posting alerts (processed by
# a Celery worker, as in production), and the trivial view as the yardstick in the same run.
say "mixed workload: locust, $MIXED_USERS users, ${MIXED_SECONDS} s, with a Celery worker"
ALERT_TOKEN="$(timeout 120 "$PY" manage.py shell -c '
from django.contrib.auth import get_user_model
from catalog.models import Service
from integrations.services import integration_create, token_create
admin = get_user_model().objects.get(username="admin")
service = Service.objects.filter(support_group__isnull=False).order_by("pk").first()
integration = integration_create(actor=admin, data={"name": "Prometheus (mixed bench)",
    "kind": "alertmanager", "default_service": service, "default_impact": 3, "default_urgency": 3})
print("TOKEN=" + token_create(actor=admin, name="bench", scope="integration", integration=integration)[1])
' 2>/dev/null | sed -n 's/^TOKEN=//p')"
[ -n "$ALERT_TOKEN" ] || die "could not create the integration token"
"$ROOT/.venv/bin/celery" -A itsm worker --concurrency 1 --loglevel WARNING --without-heartbeat \
    --without-gossip --without-mingle >"$RUN_DIR/celery.log" 2>&1 &
CELERY_PID=$!
BENCH_TOKEN="$TOKEN" BENCH_ALERT_TOKEN="$ALERT_TOKEN" BENCH_NUMBERS="$NUMBERS" \
    BENCH_SERVICE_IDS="$SERVICE_IDS" timeout $(( MIXED_SECONDS + WARMUP + 120 )) \
    "$PY" "$BENCH_DIR/drive.py" --mixed --host "$HOST_URL" --users "$MIXED_USERS" \
    --seconds "$MIXED_SECONDS" --warmup "$WARMUP" --out "$RUN_DIR/mixed.json" \
    2>"$RUN_DIR/locust-mixed.log" || { tail -20 "$RUN_DIR/locust-mixed.log" >&2; die "the mixed run failed"; }
stop_pid "$CELERY_PID" "celery worker"
CELERY_PID=""

# --- 6. the table ---------------------------------------------------------------------------
SERVER_ERRORS="$(grep -c 'Internal Server Error' "$RUN_DIR/gunicorn.log" || true)"
"$PY" - "$RUN_DIR/meta.json" <<EOF
import json, os, platform, subprocess, sys, datetime
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd="$ROOT").stdout.strip()
    except Exception:
        return ""
commit = run("git", "rev-parse", "--short", "HEAD") or "?"
if run("git", "status", "--porcelain", "--untracked-files=no"):
    commit += " (with uncommitted changes)"
pg = run("psql", "-h", "$PG_HOST", "-p", "$PG_PORT", "-U", "postgres", "-d", "postgres", "-Atc", "SHOW server_version")
mem = ""
try:
    kb = int(open("/proc/meminfo").read().split()[1]); mem = "{:.0f} GB RAM".format(kb / 1024 / 1024)
except Exception:
    pass
from importlib.metadata import version
json.dump({
    "when": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    "commit": commit, "python": platform.python_version(),
    "pg": "PostgreSQL " + (pg.split()[0] if pg else "?"), "cpus": os.cpu_count(), "mem": mem,
    "workers": $WORKERS, "host": "$HOST_URL", "locust": version("locust"),
    "users": $USERS, "seconds": $SECONDS_EACH, "warmup": $WARMUP,
    "server_errors": int("$SERVER_ERRORS" or 0),
}, open(sys.argv[1], "w"))
EOF
say "results"
"$PY" "$BENCH_DIR/report.py" --load "$RUN_DIR/load.json" --queries "$RUN_DIR/queries.json" \
    --seed "$RUN_DIR/seed.json" --meta "$RUN_DIR/meta.json" --mixed "$RUN_DIR/mixed.json" \
    | tee "$RESULT_FILE"
{ echo; cat "$RUN_DIR/detect.txt"; grep -E '^(Seeded [0-9,]+ problems|PDCA)' "$RUN_DIR/seed.txt" || true; } \
    | tee -a "$RESULT_FILE"
echo
echo "written to ${RESULT_FILE#"$ROOT"/}"
FINISHED=1
