"""Drive the scenarios of bench/locustfile.py one after another with locust's library API.

    .venv/bin/python bench/drive.py --host http://127.0.0.1:8701 --seconds 20 --users 8 \\
        --out load.json [me queue detail api_list api_create]

Per scenario: start the users (each logs in, in on_start), wait until all have (at most
60 s), run a short warm-up, reset the statistics, measure for exactly --seconds, snapshot the
figures, stop. So log-ins, connection set-up and the first requests of each gunicorn worker
are not in the figures, and req/s is requests completed in the window / the window.

Writes per scenario: requests, failures, req/s, p50/p95/p99 ms, mean ms, the most common
failure reasons, and the CPU share locust itself used (if it nears 100 % of one core, the
load generator, not the server, is the limit).
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import gevent
import locust  # noqa: F401  (its import monkey-patches gevent before any socket is made)
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))
import locustfile

READY_TIMEOUT = 60.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(name: str, host: str, users: int, seconds: float, warmup: float) -> dict:
    user_class = locustfile.SCENARIOS[name]
    env = Environment(user_classes=[user_class], host=host)
    runner = env.create_local_runner()
    locustfile.READY["count"] = 0
    runner.start(users, spawn_rate=users)
    begun = time.monotonic()
    while locustfile.READY["count"] < users and time.monotonic() - begun < READY_TIMEOUT:
        if runner.user_count == 0 and time.monotonic() - begun > 5:
            break  # every user stopped (StopUser in on_start): no point waiting
        gevent.sleep(0.1)
    ready = locustfile.READY["count"]
    setup_errors = {str(e.error): e.occurrences for e in env.stats.errors.values()}
    if ready < users:
        runner.quit()
        return {"error": "only {r} of {u} users got ready".format(r=ready, u=users),
                "setup_errors": setup_errors}  # fmt: skip
    gevent.sleep(warmup)
    env.stats.reset_all()
    started, cpu0 = time.monotonic(), _cpu()
    gevent.sleep(seconds)
    elapsed, cpu = time.monotonic() - started, _cpu() - cpu0
    entry = env.stats.get(name, "POST" if name == "api_create" else "GET")
    errors = sorted(
        ((e.occurrences, str(e.error)) for e in env.stats.errors.values()), reverse=True
    )[:5]
    result = {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "seconds": round(elapsed, 2),
        "rps": entry.num_requests / elapsed if elapsed else 0.0,
        "p50_ms": entry.get_response_time_percentile(0.50) if entry.num_requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else None,
        "mean_ms": round(entry.avg_response_time, 1) if entry.num_requests else None,
        "errors": [{"count": c, "error": e} for c, e in errors],
        "locust_cpu_pct": round(100 * cpu / elapsed, 1) if elapsed else None,
        "users": users,
    }
    runner.quit()
    return result


def run_mixed(host: str, users: int, seconds: float, warmup: float) -> dict:
    """All the mixed-workload users at once (weights in the locustfile); figures per endpoint."""
    classes = [
        c for c in locustfile.MIXED if c is not locustfile.MixedAlerts or locustfile.ALERT_TOKEN
    ]
    env = Environment(user_classes=classes, host=host)
    runner = env.create_local_runner()
    locustfile.READY["count"] = 0
    runner.start(users, spawn_rate=users)
    begun = time.monotonic()
    while locustfile.READY["count"] < users and time.monotonic() - begun < READY_TIMEOUT:
        gevent.sleep(0.1)
    if locustfile.READY["count"] < users:
        errors = {str(e.error): e.occurrences for e in env.stats.errors.values()}
        runner.quit()
        return {"error": "only {r} of {u} users got ready".format(
            r=locustfile.READY["count"], u=users), "setup_errors": errors}  # fmt: skip
    gevent.sleep(warmup)
    env.stats.reset_all()
    started, cpu0 = time.monotonic(), _cpu()
    gevent.sleep(seconds)
    elapsed, cpu = time.monotonic() - started, _cpu() - cpu0
    endpoints = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        if not name.startswith("mixed: ") or not entry.num_requests:
            continue
        endpoints[name[len("mixed: ") :]] = {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.num_requests / elapsed,
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    errors = sorted(
        ((e.occurrences, str(e.error)) for e in env.stats.errors.values()), reverse=True
    )[:5]
    runner.quit()
    return {
        "seconds": round(elapsed, 2),
        "users": users,
        "classes": [c.__name__ for c in classes],
        "endpoints": endpoints,
        "requests": sum(e["requests"] for e in endpoints.values()),
        "failures": sum(e["failures"] for e in endpoints.values()),
        "errors": [{"count": c, "error": e} for c, e in errors],
        "locust_cpu_pct": round(100 * cpu / elapsed, 1) if elapsed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*", default=list(locustfile.SCENARIOS))
    parser.add_argument("--host", default="http://127.0.0.1:8701")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between scenarios")
    parser.add_argument("--out")
    parser.add_argument("--mixed", action="store_true", help="the mixed workload instead")
    args = parser.parse_args()
    if not args.host.startswith(("http://127.0.0.1", "http://localhost")):
        sys.exit("bench/drive.py: loopback hosts only")
    if args.mixed:
        print("  mixed workload, {u} users, {s:g} s ...".format(u=args.users, s=args.seconds),
              end="", flush=True)  # fmt: skip
        result = run_mixed(args.host, args.users, args.seconds, args.warmup)
        if "error" in result:
            print(" FAILED: {e} {s}".format(e=result["error"], s=result["setup_errors"]))
        else:
            print(" {n} requests, {f} failures".format(n=result["requests"], f=result["failures"]))
        if args.out:
            Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        sys.exit(1 if "error" in result else 0)
    results = {}
    for i, name in enumerate(args.scenarios):
        if i:
            gevent.sleep(args.pause)
        print("  {name:<11} {u} users, {s:g} s ...".format(name=name, u=args.users, s=args.seconds),
              end="", flush=True)  # fmt: skip
        results[name] = run_one(name, args.host, args.users, args.seconds, args.warmup)
        r = results[name]
        if "error" in r:
            print(" FAILED: {e} {s}".format(e=r["error"], s=r["setup_errors"]), flush=True)
        else:
            print(" {n} requests, {rps:.1f} req/s, {f} failures".format(
                n=r["requests"], rps=r["rps"], f=r["failures"]), flush=True)  # fmt: skip
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if any("error" in r for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
