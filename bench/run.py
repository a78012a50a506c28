"""The benchmark: one command, one table (see bench/README.md).

    python bench/run.py [--measures 100000] [--duration 15] [--connections 16] [--skip-build]

Builds (or reuses) a synthetic dataset of N measures in its own PostgreSQL database, and one of
1,000 measures beside it; serves the site with gunicorn (2 workers, production settings) on
127.0.0.1; drives load with wrk; prints the table in Markdown and saves it, with every detail,
in bench/results/ (git-ignored).
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import log  # noqa: E402
from bench.pages import TIMED_REQUESTS  # noqa: E402

SMALL_MEASURES = 1_000
# The targets, for N = 100,000 on this 2-core machine.
CACHED_SHARE_OF_CEILING = 25  # percent, rows 1, 3 and 4
CACHED_P99_MS = 100
COMBO_RPS = 60  # row 2
COMBO_P99_MS = 250
FLAT_MEMORY_RISE_MB = 50  # row 5: a worker holding 100,000 model instances would grow by far more
# The cold part (no page cache: the first reader after an edit).
COLD_SHARE_OF_CEILING = 1.5  # percent, row 7
COLD_P99_MS = 400
COLD_PAGE_TIMES_CEILING_P50 = 40  # no page type slower than this many ceiling p50s
# Streamed exports read the rows in chunks (QuerySet.iterator(chunk_size=...)), prefetching per
# chunk: their query count grows with the rows exported by design, so it is shown, not judged.
STREAMED = {"csv"}

ROWS = [
    # key, label, target description
    ("list", "List: department + amount range + facets (repeated)", "≥25% of ceiling, p99 <100 ms"),
    ("combos", "List: a different filter combination every request", "≥60 req/s, p99 <250 ms"),
    ("detail", "Measure detail page (repeated)", "≥25% of ceiling, p99 <100 ms"),
    ("api", "JSON API /api/measures/ with filters (repeated)", "≥25% of ceiling, p99 <100 ms"),
    ("csv", "CSV export of a filtered set (full, streamed)", "N rows, flat memory"),
    ("ceiling", "Do-nothing Django view (ceiling)", "reference"),
    (
        "cold",
        "Cold: a new list/search/detail URL of any shape every request, no page cache",
        "≥1.5% of ceiling, p99 <400 ms",
    ),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measures", type=int, default=100_000, help="N (default 100,000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--timeout",
        type=int,
        default=common.PRODUCTION_TIMEOUT,
        help="gunicorn worker timeout (default: production's, deploy/gunicorn.conf.py)",
    )
    parser.add_argument(
        "--skip-build", action="store_true", help="use the databases as they are (no migrate)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record row 2 with py-spy (if installed) into bench/results/",
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.duration > 600 or args.connections < 1:
        parser.error("--duration must be 1..600 seconds and --connections at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    big_url, small_url = common.database_url(), common.small_database_url()
    common.ensure_local(big_url)
    common.ensure_local(small_url)
    started = datetime.datetime.now()
    load = os.getloadavg()[0]
    if load > 0.5:
        log(f"Warning: the load average is {load:.1f} before starting: other work shares the CPUs")

    for url, size in ((big_url, args.measures), (small_url, SMALL_MEASURES)):
        common.prepare_database(url, size, build=not args.skip_build)
    common.collect_static(big_url)

    log("Counting the queries of each page and timing it (uncached requests)")
    big = common.page_facts(big_url, samples=True, counts=True, cold=True)
    small = common.page_facts(small_url, counts=True, cold=True)
    urls = big["urls"]

    common.flush_cache(common.cache_url())
    with (
        common.terminate_on_sigterm(),
        common.Server(big_url, workers=args.workers, timeout=args.timeout) as server,
    ):
        log(f"gunicorn on {server.base}, workers {server.worker_pids()}")
        rows = run_rows(server, urls, big["samples"], args)
        export = full_export(server, urls, args.measures)
    # The cold row starts with no page and no count kept by the rows before it.
    common.flush_cache(common.cache_url())
    with (
        common.terminate_on_sigterm(),
        common.Server(
            big_url,
            workers=args.workers,
            timeout=args.timeout,
            extra_env={"PAGE_CACHE_SECONDS": "0"},
        ) as server,
    ):
        log(f"gunicorn without page cache on {server.base}")
        rows["cold"] = cold_row(server, big["cold_mix"], args)

    results = {
        "started": started.isoformat(timespec="seconds"),
        "load_average_at_start": round(load, 2),
        "cpus": os.cpu_count(),
        "measures": urls["measures"],
        "small_measures": small["urls"]["measures"],
        "duration_s": args.duration,
        "connections": args.connections,
        "workers": args.workers,
        "timeout_s": args.timeout,
        "urls": urls,
        "rows": rows,
        "full_export": export,
        "queries": {"small": small["counts"], "big": big["counts"]},
        "cold_pages": big["cold_pages"],
        "cold_queries": {"small": small["cold_counts"], "big": big["cold_counts"]},
    }
    evaluate(results)
    report = markdown(results)
    print(report)
    save(results, report, started)


# --- Load -----------------------------------------------------------------------------------


def run_rows(server, urls, samples, args):
    # The ceiling is measured first and last: on a shared machine, the spread says how much
    # the other rows can be trusted.
    order = ["ceiling", "list", "combos", "detail", "api", "csv", "ceiling_end"]
    rows = {}
    for key in order:
        path = urls["list"] if key == "combos" else urls.get(key.removesuffix("_end"))
        if path is None:
            rows[key] = {"skipped": "no such page yet (URL name not found)"}
            log(f"row {key}: skipped, the page does not exist")
            continue
        status, body, _ = common.get(server.url(path), timeout=120)
        if status != 200:
            rows[key] = {"skipped": f"GET {path} answered {status}"}
            log(f"row {key}: skipped, GET {path} answered {status}")
            continue
        for _ in range(3):  # warm up: connections, templates and the page cache
            common.get(server.url(path), timeout=120)
        log(f"row {key}: {args.duration} s at {args.connections} connections")
        if key == "combos":
            script = combos_script(samples)
        else:
            script = common.lua_script(f"{key.removesuffix('_end')}.lua")
        timeout = "60s" if key == "csv" else "10s"
        profile = start_profile(server, args) if key == "combos" and args.profile else None
        with common.RssSampler(server) as memory:
            try:
                row = common.run_wrk(
                    server.url(path if key != "combos" else "/"),
                    script,
                    duration=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                    timeout=timeout,
                )
            except common.WrkError as error:
                row = {"skipped": str(error)[:300]}
        if profile:
            row["profile"] = finish_profile(profile)
        row["memory"] = memory.summary()
        row["path"] = path if key != "combos" else "(generated: bench/results/combos.lua)"
        rows[key] = row
        log(f"  {row.get('rps')} req/s, p99 {row.get('p99_ms')} ms, errors {row.get('errors')}")
    end = rows.pop("ceiling_end", {})
    if "rps" in end and "rps" in rows["ceiling"]:
        first = rows["ceiling"]
        first["rps_first"], first["rps_last"] = first["rps"], end["rps"]
        first["rps"] = round((first["rps"] + end["rps"]) / 2, 1)
        first["requests"] += end["requests"]
        first["errors"] += end["errors"]
        first["p50_ms"] = max(first["p50_ms"], end["p50_ms"])
        first["p99_ms"] = max(first["p99_ms"], end["p99_ms"])
    return rows


def cold_row(server, paths, args):
    """wrk drawing one of ``paths`` (thousands of URLs of every shape) for each request."""
    script = common.lua_script("cold.lua", [f"PATHS = {common.lua_list(paths)}"], body="paths.lua")
    log(f"row cold: {args.duration} s at {args.connections} connections, {len(paths)} URLs")
    with common.RssSampler(server) as memory:
        try:
            row = common.run_wrk(
                server.url("/"),
                script,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                timeout="10s",
            )
        except common.WrkError as error:
            row = {"skipped": str(error)[:300]}
    row["memory"] = memory.summary()
    row["path"] = f"(generated: bench/results/cold.lua, {len(paths)} URLs)"
    log(f"  {row.get('rps')} req/s, p99 {row.get('p99_ms')} ms, errors {row.get('errors')}")
    return row


def combos_script(samples):
    words = ", ".join(
        f"{{{common.lua_string(quote(word, safe=''))}, {value}}}"
        for word, value in samples["amount_words"].items()
    )
    data = [
        "-- Generated by bench/run.py from the benchmark database.",
        'PREFIXES = {"", "/en"}',
        f"BUREAUX = {common.lua_list(samples['bureaux'])}",
        f"THEMES = {common.lua_list(samples['themes'])}",
        f"KINDS = {common.lua_list(samples['kinds'])}",
        f"STATUSES = {common.lua_list(samples['statuses'])}",
        f"YEARS = {common.lua_list(samples['years'] or [2026])}",
        f"AMOUNTS = {common.lua_list(samples['amounts'] or [10**8])}",
        f"AMOUNT_WORDS = {{{words}}}",
        f"SORTS = {common.lua_list(samples['sorts'])}",
    ]
    return common.lua_script("combos.lua", data, body="combos.lua")


def start_profile(server, args):
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        log("  (py-spy is not installed: no profile)")
        return None
    output = common.RESULTS / "combos-profile.txt"
    command = [
        spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--duration",
        str(args.duration), "--rate", "100", "--format", "raw", "--output", str(output),
        "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), output


def finish_profile(profile):
    process, output = profile
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    return str(output.relative_to(common.ROOT)) if output.exists() else None


def full_export(server, urls, measures):
    """Streams the unfiltered CSV export once, sampling the workers' memory every 0.2 s."""
    path = urls.get("csv_all")
    if path is None:
        return {"skipped": "no CSV export yet (URL name measure-csv not found)"}
    log(f"Full CSV export of {measures:,} measures: {path}")
    counted = {"bytes": 0, "lines": 0}

    def count(chunk):
        counted["bytes"] += len(chunk)
        counted["lines"] += chunk.count(b"\n")

    started = time.monotonic()
    failure = None
    mark = server.log_mark()
    with common.RssSampler(server) as memory:
        try:
            status, _, content_type = common.get(server.url(path), timeout=600, stream_to=count)
        except Exception as error:  # e.g. the worker was killed half-way: report, go on
            status, content_type = None, ""
            failure = f"{type(error).__name__} after {time.monotonic() - started:.1f} s"
    seconds = time.monotonic() - started
    time.sleep(1)  # let gunicorn log a killed worker
    result = {
        "path": path,
        "status": status,
        "failure": failure,
        "worker_timeouts": server.timeouts_since(mark),
        "content_type": content_type,
        "rows": max(counted["lines"] - 1, 0),  # the header is the first line
        "mb": round(counted["bytes"] / 2**20, 1),
        "seconds": round(seconds, 1),
        "memory": memory.summary(),
    }
    log(f"  {result['rows']:,} rows in {result['seconds']} s, memory {result['memory']}")
    return result


# --- Judging and reporting ------------------------------------------------------------------


def evaluate(results):
    rows, ceiling = results["rows"], results["rows"].get("ceiling", {}).get("rps")
    for key, row in rows.items():
        if "rps" not in row:
            row["met"] = None
            continue
        row["share"] = round(100 * row["rps"] / ceiling, 1) if ceiling else None
        if key in ("list", "detail", "api"):
            row["met"] = (
                row["share"] is not None
                and row["share"] >= CACHED_SHARE_OF_CEILING
                and row["p99_ms"] < CACHED_P99_MS
                and row["errors"] == 0
            )
        elif key == "combos":
            row["met"] = (
                row["rps"] >= COMBO_RPS and row["p99_ms"] < COMBO_P99_MS and not row["errors"]
            )
        elif key == "cold":
            row["met"] = (
                row["share"] is not None
                and row["share"] >= COLD_SHARE_OF_CEILING
                and row["p99_ms"] < COLD_P99_MS
                and not row["errors"]
            )
        elif key == "csv":
            export = results["full_export"]
            row["met"] = (
                row["errors"] == 0
                and export.get("status") == 200
                and export.get("rows") == results["measures"]
                and export["memory"]["max_rise_mb"] < FLAT_MEMORY_RISE_MB
            )
        else:
            row["met"] = row["errors"] == 0
    big, small = results["queries"]["big"], results["queries"]["small"]
    results["queries_equal"] = all(
        (big.get(page) or {}).get("queries") == (small.get(page) or {}).get("queries")
        for page in big
        if page not in STREAMED
    )
    cold_big, cold_small = results["cold_queries"]["big"], results["cold_queries"]["small"]
    results["cold_queries_equal"] = all(
        (cold_big.get(page) or {}).get("queries") == (cold_small.get(page) or {}).get("queries")
        for page in cold_big
    )
    ceiling_p50 = rows.get("ceiling", {}).get("p50_ms")
    limit = ceiling_p50 * COLD_PAGE_TIMES_CEILING_P50 if ceiling_p50 else None
    results["cold_limit_ms"] = limit
    for facts in results["cold_queries"]["big"].values():
        if facts and "ms" in facts:
            facts["met"] = limit is not None and facts["ms"] <= limit and facts["status"] == 200


def markdown(results):
    n = results["measures"]
    ceiling = results["rows"].get("ceiling", {})
    lines = [
        f"### Benchmark: N = {n:,} measures, {results['connections']} connections, "
        f"{results['duration_s']} s per row, gunicorn {results['workers']} sync workers, "
        f"PostgreSQL + Redis cache, {results['cpus']} CPUs (load average at start "
        f"{results['load_average_at_start']})",
        "",
        "| # | Page | Req/s | % of ceiling | p50 ms | p99 ms | Errors | Target | Met |",
        "|---|------|------:|-------------:|-------:|-------:|-------:|--------|-----|",
    ]
    for number, (key, label, target) in enumerate(ROWS, 1):
        row = results["rows"].get(key, {})
        if "rps" not in row:
            reason = row.get("skipped", "not run")
            lines.append(f"| {number} | {label} | – | – | – | – | – | {target} | n/a: {reason} |")
            continue
        share = "100" if key == "ceiling" else f"{row['share']}"
        met = {True: "yes", False: "**no**", None: "–"}[row["met"]]
        lines.append(
            f"| {number} | {label} | {row['rps']:,.1f} | {share}% | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['errors']} | {target} | {met} |"
        )
    export = results["full_export"]
    lines.append("")
    if "rps_first" in ceiling:
        lines.append(
            f"Ceiling measured first and last: {ceiling['rps_first']:,} and "
            f"{ceiling['rps_last']:,} req/s (the table uses their mean)."
        )
    if "rows" in export:
        memory = export["memory"]
        flat = "flat" if memory["max_rise_mb"] < FLAT_MEMORY_RISE_MB else "NOT flat"
        outcome = f"status {export['status']}"
        if export.get("failure"):
            killed = export.get("worker_timeouts")
            outcome = f"**cut off: {export['failure']}**" + (
                f" (gunicorn logged WORKER TIMEOUT: a sync worker busy for over "
                f"--timeout {results['timeout_s']} s is killed, even while streaming)"
                if killed
                else ""
            )
        lines.append(
            f"Row 5, full export: {export['rows']:,} of {n:,} rows ({export['mb']} MB) in "
            f"{export['seconds']} s, {outcome}; worker peak RSS "
            f"{memory['peak_mb']} MB, largest rise {memory['max_rise_mb']} MB ({flat})."
        )
    else:
        lines.append(f"Row 5, full export: {export.get('skipped')}")
    lines += ["", queries_table(results), "", cold_table(results)]
    return "\n".join(lines)


def cold_table(results):
    small, big = results["cold_queries"]["small"], results["cold_queries"]["big"]
    n_small, n_big = results["small_measures"], results["measures"]
    limit = results["cold_limit_ms"]
    limit_text = f"{limit:.0f} ms" if limit else "unknown (no ceiling row)"
    lines = [
        f"Cold pages: requests with no page cache (the first reader after an edit; each time "
        f"the median of {TIMED_REQUESTS}), "
        f"N = {n_big:,}; target: no page over {COLD_PAGE_TIMES_CEILING_P50}× the ceiling's "
        f"p50 = {limit_text}. Queries equal at both sizes for every page: "
        f"{'yes' if results['cold_queries_equal'] else '**NO**'}",
        "",
        f"| Page | URL | ms N={n_big:,} | Met | Queries N={n_small:,} | Queries N={n_big:,} | "
        f"Slowest query ms |",
        "|------|-----|---:|-----|---:|---:|---:|",
    ]
    for page, url in results["cold_pages"].items():
        b, s = big.get(page) or {}, small.get(page) or {}
        if "ms" not in b:
            lines.append(f"| {page} | `{url}` | error: {b.get('error', 'not run')[:100]} ||||")
            continue
        met = "yes" if b.get("met") else "**no**"
        lines.append(
            f"| {page} | `{url}` | {b['ms']} | {met} | {s.get('queries', '–')} | "
            f"{b['queries']} | {b['slowest_query_ms']} |"
        )
    return "\n".join(lines)


def queries_table(results):
    small, big = results["queries"]["small"], results["queries"]["big"]
    n_small, n_big = results["small_measures"], results["measures"]
    lines = [
        f"SQL queries per page, an uncached request: N = {n_small:,} vs N = {n_big:,} "
        f"(equal for every page: {'yes' if results['queries_equal'] else '**NO**'}; the streamed "
        f"CSV export prefetches per chunk of rows, so its count follows the rows exported)",
        "",
        f"| Page | Queries N={n_small:,} | Queries N={n_big:,} | ms N={n_small:,} | "
        f"ms N={n_big:,} | Slowest query ms N={n_big:,} | KB N={n_big:,} |",
        "|------|---:|---:|---:|---:|---:|---:|",
    ]
    for page in big:
        s, b = small.get(page), big.get(page)
        if b is None:
            lines.append(f"| {page} | – | – | – | – | – | – |")
            continue
        if "error" in b or "error" in (s or {}):
            lines.append(f"| {page} | error: {(b.get('error') or s.get('error'))[:120]} |||||")
            continue
        statuses = {s["status"], b["status"]} - {200}
        name = f"{page} (**status {', '.join(map(str, sorted(statuses)))}**)" if statuses else page
        lines.append(
            f"| {name} | {s['queries']} | {b['queries']} | {s['ms']} | {b['ms']} | "
            f"{b['slowest_query_ms']} | {b['kb']} |"
        )
    return "\n".join(lines)


def save(results, report, started):
    common.RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    path = common.RESULTS / f"run-{stamp}-{results['measures']}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (common.RESULTS / "latest.md").write_text(report + "\n")
    log(f"Saved {path.relative_to(common.ROOT)} and bench/results/latest.md")


if __name__ == "__main__":
    main()
