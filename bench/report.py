"""Print the benchmark table from the JSON files bench/run.sh collected.

    python bench/report.py --load load.json --queries queries.json --seed seed.json \\
        [--meta meta.json]

Plain standard library (no Django): it only formats. The aims are the issue's: every read
scenario at least 0.4 of the trivial view's req/s, API create at least 0.3.
"""

import argparse
import json
from pathlib import Path

SCENARIOS = [
    # key, label, request, kind
    ("me", "a trivial view", "GET /accounts/me/", "base"),
    ("queue", "b queue page", "GET /incidents/?queue=all", "read"),
    ("detail", "c detail page", "GET /incidents/<number>/", "read"),
    ("api_list", "d API list", "GET /api/v1/incidents/?page_size=50", "read"),
    ("api_create", "e API create", "POST /api/v1/incidents/", "write"),
]
AIMS = {"read": 0.4, "write": 0.3}


def _load(path: str | None) -> dict:
    return json.loads(Path(path).read_text()) if path and Path(path).exists() else {}


def _num(value, fmt: str = "{:,.0f}") -> str:
    return "-" if value is None else fmt.format(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", required=True)
    parser.add_argument("--queries")
    parser.add_argument("--seed")
    parser.add_argument("--meta")
    parser.add_argument("--mixed", help="the mixed workload's JSON (drive.py --mixed)")
    args = parser.parse_args()
    load, queries, seed, meta = (_load(p) for p in (args.load, args.queries, args.seed, args.meta))
    mixed = _load(args.mixed)

    out: list[str] = []
    if meta:
        out.append("ITSM incident benchmark, {when}".format(when=meta.get("when", "?")))
        out.append(
            "commit {commit}; Python {python}; {pg}; {cpus} CPUs; {mem}".format(**{
                k: meta.get(k, "?") for k in ("commit", "python", "pg", "cpus", "mem")
            })
        )  # fmt: skip
        out.append(
            "gunicorn {workers} sync workers on {host}; locust {locust}, {users} users, no wait, "
            "{seconds} s per scenario after a {warmup} s warm-up".format(**{
                k: meta.get(k, "?")
                for k in ("workers", "host", "locust", "users", "seconds", "warmup")
            })
        )  # fmt: skip
    if seed:
        states = seed.get("states", {})
        total = max(1, seed.get("incidents", 0))
        open_n = sum(states.get(s, 0) for s in ("new", "in_progress", "on_hold"))
        out.append(
            "data: {n:,} incidents seeded ({first}..{last}, {open:.1f} % open), {h:,} history "
            "rows, {c:,} comments; seeding took {s:.1f} s (inserts {i:.1f} s + VACUUM ANALYZE)".format(
                n=seed.get("incidents", 0), first=seed.get("first_number"),
                last=seed.get("last_number"), open=100 * open_n / total,
                h=seed.get("history", 0), c=seed.get("comments", 0),
                s=seed.get("seconds", 0), i=seed.get("insert_seconds", 0),
            )
        )  # fmt: skip
    out.append("")

    base = load.get("me", {}).get("rps") or None
    header = "{:<15} {:<37} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>6}".format(
        "scenario", "request", "requests", "req/s", "p50 ms", "p99 ms", "failures", "SQL/req",
        "ratio",
    )  # fmt: skip
    out.append(header)
    out.append("-" * len(header))
    verdicts = []
    for key, label, request, kind in SCENARIOS:
        r = load.get(key, {})
        q = queries.get(key, {})
        ratio = (r.get("rps") / base) if (base and r.get("rps") is not None) else None
        sql = q.get("queries")
        sql_text = "-" if sql is None else (
            "{:g}".format(sql) if q.get("min") == q.get("max") else "{:g}-{:g}".format(q["min"], q["max"])
        )  # fmt: skip
        if "error" in r:
            out.append("{:<15} {:<37} {}".format(label, request, "FAILED: " + r["error"]))
        else:
            out.append(
                "{:<15} {:<37} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>6}".format(
                    label, request, _num(r.get("requests")), _num(r.get("rps"), "{:,.1f}"),
                    _num(r.get("p50_ms")), _num(r.get("p99_ms")), _num(r.get("failures")),
                    sql_text, _num(ratio, "{:.2f}"),
                )
            )  # fmt: skip
        if kind in AIMS:
            aim = AIMS[kind]
            ok = ratio is not None and ratio >= aim and not r.get("failures")
            verdicts.append((label, ratio, aim, ok, r.get("failures") or 0))
    out.append("")
    out.append(
        "ratio = req/s / req/s of the trivial view; SQL/req measured in-process (test Client)."
    )
    if any("ms" in queries.get(k, {}) for k, *_ in SCENARIOS):
        out.append(
            "in-process, one request at a time (ms total / ms in SQL): "
            + ", ".join(
                "{k} {t:g}/{s:g}".format(k=k, t=queries[k]["ms"], s=queries[k]["sql_ms"])
                for k, *_ in SCENARIOS
                if "ms" in queries.get(k, {})
            )
        )
    cpu = [
        "{k} {v:.0f} %".format(k=k, v=load[k]["locust_cpu_pct"])
        for k, *_ in SCENARIOS
        if load.get(k, {}).get("locust_cpu_pct") is not None
    ]
    if cpu:
        out.append("locust's own CPU (of one core): " + ", ".join(cpu))
    out.extend(
        "  {label}: {count} x {error}".format(label=label, **err)
        for key, label, *_ in SCENARIOS
        for err in load.get(key, {}).get("errors", [])
    )
    if meta.get("server_errors"):
        out.append("server log: {n} 'Internal Server Error' lines (see the gunicorn log)".format(
            n=meta["server_errors"]))  # fmt: skip
    out.append("")
    out.append("Aims (the issue): reads >= 0.40 x trivial view, API create >= 0.30 x trivial view")
    for label, ratio, aim, ok, failures in verdicts:
        out.append(
            "  {label:<15} {ratio:>5} (aim {aim:.2f})  {verdict}{fail}".format(
                label=label, ratio=_num(ratio, "{:.2f}"), aim=aim,
                verdict="met" if ok else "NOT MET",
                fail=" ({f} failures)".format(f=failures) if failures else "",
            )
        )  # fmt: skip
    missed = [v for v in verdicts if not v[3]]
    out.append(
        "Result: all aims met."
        if verdicts and not missed
        else "Result: aims NOT met ({n} of {t} scenarios below their aim).".format(
            n=len(missed), t=len(verdicts)
        )
    )
    if mixed:
        out.extend(["", *_mixed_table(mixed)])
    print("\n".join(out))


def _mixed_table(mixed: dict) -> list[str]:
    """The mixed workload: every endpoint at once, per endpoint; zero errors required."""
    if "error" in mixed:
        return ["Mixed workload FAILED: {e}".format(e=mixed["error"])]
    out = [
        "Mixed workload: {u} users ({c}) for {s:g} s, all at once".format(
            u=mixed["users"], c=", ".join(mixed["classes"]), s=mixed["seconds"]
        )
    ]
    header = "{:<16} {:>6} {:>8} {:>7} {:>7} {:>7} {:>6} {:>8}".format(
        "endpoint", "method", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"
    )
    out += [header, "-" * len(header)]
    for name, e in mixed["endpoints"].items():
        out.append(
            "{:<16} {:>6} {:>8} {:>7} {:>7} {:>7} {:>6} {:>8}".format(
                name, e["method"], _num(e["requests"]), _num(e["rps"], "{:,.1f}"),
                _num(e["p50_ms"]), _num(e["p95_ms"]), _num(e["p99_ms"]), _num(e["failures"]),
            )
        )  # fmt: skip
    out.extend("  {count} x {error}".format(**err) for err in mixed.get("errors", []))
    total = mixed["requests"] / mixed["seconds"] if mixed["seconds"] else 0
    out.append(
        "total {n:,} requests, {r:,.1f} req/s, {f} errors: {v}; locust's own CPU {c} %".format(
            n=mixed["requests"], r=total, f=mixed["failures"],
            v="0 errors required: met" if not mixed["failures"] else "0 errors required: NOT MET",
            c=mixed.get("locust_cpu_pct"),
        )
    )  # fmt: skip
    return out


if __name__ == "__main__":
    main()
