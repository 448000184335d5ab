"""The feature layer at scale, and the scheduled build's no-op, in one run (`make bench`).

Figures, not a timed test: absolute times are noisy (two cores, shared), so
read the ratios, which this prints side by side from one run.

1. Demo warehouse (.make/bench/features/demo): the `make demo` flow, read at
   run time from the Makefile's demo recipe (`make -n demo`) and pointed at
   scratch paths (landing zone, warehouse, MLflow store, dbt target and logs);
   `secfeat summary` is skipped. Then the same warehouse built with
   `dbt build --full-refresh` and once more with `dbt build` (no selection: the
   scheduled build; nothing new landed, so a no-op), counting the registered
   MLflow model versions before and after each.
   Goals: no-op at most 15% of the full build; the scheduled build registers no
   version.
2. For each size N (default 2M and 10M logons), in .make/bench/features/<N>: a
   copy of the demo warehouse whose ocsf_authentication holds N synthetic
   logons (50k users, 5k source IPs, 6 countries, 30 days from 2026-01-01,
   10% failed; ocsf_authorize_session, ocsf_process_activity and ocsf_api_activity emptied),
   loaded at 2026-02-01 (`_loaded_at`, `_ingested_at`, when the tables have them).
   - full build: `dbt run --full-refresh --select` the feature models
     (FEATURE_MODELS below), against one hand-written DuckDB query of the same
     7 logon features (same boundary rule, t - window < e <= t; written to a
     table, run in its own process with the profile's DuckDB settings); every
     value of the 7 features compared. Goal: full build at most 1.5x the query,
     in the models' elapsed time from run_results.json (first model's start
     to the last one's end: dbt runs two models at a time on the two cores, so
     their execution times, also shown, add up to about twice that); dbt's
     wall time (with its start-up) is shown too.
   - incremental hour: N/720 new logons in the hour after the last one
     (2026-01-31 00:00-01:00), loaded at 2026-02-02, then the same `dbt run`
     without --full-refresh. Goal: at most 5% of the full build at 10M. Its
     values are checked too: the old rows against the query's, the new ones
     against a hand-written join of each new logon to its windows.
   - peak RSS of each dbt run and of the query (/usr/bin/time -f %M, in MiB).
     Goal: below 4 GiB at 10M.

Usage: python bench/feature_scale.py [--sizes 2000000 10000000] [--skip-demo] [--threads N]
Whole run at the default sizes: 10-15 minutes on 2 cores (`make bench` runs bench/landing_incremental.py
after it; `make bench BENCH=features` this one alone). The DuckDB settings in
force (profiles/profiles.yml, dev output's `settings:`) are printed with the
figures. Every invocation's output is in the scratch folder's logs/; the
figures, also as JSON, in .make/bench/features/bench.json.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRATCH = ROOT / ".make" / "bench"  # shared with bench/landing_incremental.py: one lock for both
HERE = SCRATCH / "features"
WAREHOUSE_NAME = "secfeat.duckdb"

# the tables the 7 logon features are read from (feat_authentication_events joins them)
USER_TABLE, USER_SRC_IP_TABLE, SRC_IP_TABLE = (
    "feat_user_activity_events", "feat_user_src_ip_authentication_events", "feat_src_ip_authentication_events")
FEATURE_MODELS = ["int_located_logons", "int_user_activity_events", "int_process_launch_prevalence",
                  USER_TABLE, USER_SRC_IP_TABLE, SRC_IP_TABLE]
FEATURES = {  # feature: the table it is in
    "failed_logins_1h": USER_TABLE, "failed_logins_24h": USER_TABLE, "successful_logins_7d": USER_TABLE,
    "distinct_src_ips_24h": USER_TABLE, "login_geo_diversity_7d": USER_TABLE,
    "is_new_src_ip_30d": USER_SRC_IP_TABLE, "distinct_users_failed_1h": SRC_IP_TABLE,
}
HAND_WRITTEN = "bench_hand_written_features"

# the synthetic logons
USERS, SRC_IPS, COUNTRIES = 50_000, 5_000, ["US", "DE", "GB", "FR", "BR", "VN"]
BULK_START, BULK_DAYS, BULK_LOADED = "2026-01-01 00:00:00", 30, "2026-02-01 00:00:00"
HOUR_START, HOUR_LOADED = "2026-01-31 00:00:00", "2026-02-02 00:00:00"  # the hour after the bulk's last
HOURS_PER_BULK = 720  # the incremental hour brings N / 720 logons

GOALS = {"full_over_hand": 1.5, "incremental_over_full": 0.05, "peak_rss_mb": 4096, "noop_over_full": 0.15}
US = 1_000_000
HOUR_US, DAY_US = 3600 * US, 86400 * US


class Failed(RuntimeError):
    pass


# --- running things -------------------------------------------------------------------------------------------

def run(command: list[str], log: Path, env: dict | None = None, check: bool = True) -> dict:
    """Run a command from the project dir, output into `log`, under /usr/bin/time: wall time, peak RSS (MiB)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    rss_file = log.with_suffix(".rss")
    started = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_file), *command], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    # the last line is time's (before it, a note such as "Command exited with non-zero status")
    measured = rss_file.read_text().strip().splitlines()[-1].split() if rss_file.exists() else []
    rss_mb, cpu = None, None
    if len(measured) == 3:
        rss_mb, cpu = int(measured[0]) / 1024, float(measured[1]) + float(measured[2])
    if check and result.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise Failed(f"{' '.join(command)} failed (exit {result.returncode}); see {log}:\n{tail}")
    # 1-minute load average at its end: above the 2 cores, something else was running too
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_mb, "returncode": result.returncode, "load": os.getloadavg()[0]}


class Scratch:
    """A scratch warehouse, its MLflow store, dbt target and logs, and the dbt invocations against it."""

    def __init__(self, folder: Path, threads: int | None) -> None:
        self.dir, self.threads = folder, threads
        self.warehouse = folder / WAREHOUSE_NAME
        self.landing = folder / "landing"
        self.mlruns = folder / "mlruns"
        self.target = folder / "target"
        self.logs = folder / "logs"

    def env(self) -> dict:
        return {**os.environ, "SECFEAT_DUCKDB_PATH": str(self.warehouse), "DBT_USE_COLORS": "false",
                # dbt run by a secfeat command too writes here, not into the project's target/
                "DBT_TARGET_PATH": str(self.target), "DBT_LOG_PATH": str(self.logs)}

    def dbt(self, label: str, args: list[str], check: bool = True) -> dict:
        """One dbt invocation: wall time, peak RSS and, from run_results.json, each node's execution time."""
        command = [str(BIN / "dbt"), *args]
        if self.threads and "--threads" not in args:
            command += ["--threads", str(self.threads)]
        results = self.target / "run_results.json"
        results.unlink(missing_ok=True)
        outcome = run(command, self.logs / f"{label}.log", self.env(), check=check)
        outcome["nodes"] = {}
        if results.exists():
            for node in json.loads(results.read_text())["results"]:
                steps = node.get("timing") or []
                outcome["nodes"][node["unique_id"]] = {
                    "time": node["execution_time"], "status": node["status"], "relation": node.get("relation_name"),
                    "started": min((step["started_at"] for step in steps if step.get("started_at")), default=None),
                    "completed": max((step["completed_at"] for step in steps if step.get("completed_at")),
                                     default=None)}
        return outcome


def model_time(outcome: dict, names: list[str] | None = None) -> float:
    return sum(node["time"] for uid, node in outcome["nodes"].items()
               if uid.startswith("model.") and (names is None or uid.split(".")[-1] in names))


def models_span(outcome: dict, kinds: tuple[str, ...] = ("model.",)) -> float:
    """From the first model's start to the last one's end: the models' elapsed time (dbt's threads run
    models side by side, so their execution times add up to more than that). `kinds`: of these nodes."""
    from datetime import datetime

    models = [node for uid, node in outcome["nodes"].items() if uid.startswith(kinds) and node["started"]]
    if not models:
        return 0.0
    start = min(datetime.fromisoformat(node["started"].replace("Z", "+00:00")) for node in models)
    end = max(datetime.fromisoformat(node["completed"].replace("Z", "+00:00")) for node in models)
    return (end - start).total_seconds()


def nodes_time(outcome: dict) -> float:
    return sum(node["time"] for node in outcome["nodes"].values())


def dbt_flags() -> list[str]:
    return ["--profiles-dir", "profiles", "--project-dir", "."]


# --- DuckDB settings as dbt uses them -------------------------------------------------------------------------

def profile_settings() -> dict:
    """The dev output's `settings:` in profiles/profiles.yml, rendered as dbt would (env_var only)."""
    import jinja2
    import yaml

    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise Failed(f"profiles.yml reads env var {name}, which is not set")
        return default

    def render(value):
        if isinstance(value, str):
            return jinja2.Template(value).render(env_var=env_var)
        return value

    profiles = yaml.safe_load((ROOT / "profiles" / "profiles.yml").read_text())
    profile = profiles["secfeat"]
    output = profile["outputs"][render(profile.get("target", "dev"))]
    return {key: render(value) for key, value in (output.get("settings") or {}).items()}


def connect(warehouse: Path, read_only: bool = False):
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=read_only)
    for key, value in profile_settings().items():
        con.execute(f"set {key} = ?", [value])
    return con


def settings_in_force() -> str:
    import duckdb

    con = connect(Path(":memory:"))
    names = ["memory_limit", "threads", "preserve_insertion_order", "temp_directory"]
    values = con.execute("select " + ", ".join(f"current_setting('{name}')" for name in names)).fetchone()
    configured = profile_settings()
    return (f"DuckDB {duckdb.__version__}; profile settings: {configured or 'none'}; in force: "
            + ", ".join(f"{name}={value}" for name, value in zip(names, values)))


# --- the demo warehouse ---------------------------------------------------------------------------------------

def demo_recipe() -> list[list[str]]:
    """The Makefile's demo recipe, expanded by make itself (`make -n`, install taken as done)."""
    printed = subprocess.run(["make", "--no-print-directory", "-n", "-o", "install", "demo"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    return [shlex.split(line) for line in printed.replace("\\\n", " ").splitlines() if line.strip()]


def merged_vars(given: str | None, scratch: Scratch) -> str:
    import yaml

    values = yaml.safe_load(given) if given else {}
    values = {**(values or {}), "landing_dir": str(scratch.landing), "mlflow_tracking_dir": str(scratch.mlruns)}
    return json.dumps(values)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None


def with_option(args: list[str], name: str, value: str) -> list[str]:
    if name in args[:-1]:
        args = list(args)
        args[args.index(name) + 1] = value
        return args
    return [*args, name, value]


def secfeat_options(command: str) -> str:
    return subprocess.run([str(BIN / "secfeat"), command, "--help"], cwd=ROOT, capture_output=True,
                          text=True).stdout


def demo_steps(scratch: Scratch) -> tuple[list[tuple[str, list[str]]], str]:
    """The demo recipe's commands pointed at the scratch folder, and the dbt --vars its builds use.
    A command the bench does not know how to point elsewhere fails the bench, naming it."""
    recipe = demo_recipe()
    # what a secfeat command of the flow is told the warehouse was built with: the first build's --vars
    first_vars = next((option(argv, "--vars") for argv in recipe
                       if Path(argv[0]).name in ("dbt", "secfeat") and argv[1:2] == ["build"]), None)
    steps, build_vars = [], None
    for argv in recipe:
        tool, rest = Path(argv[0]).name, argv[1:]
        if tool == "dbt":
            rest = with_option(rest, "--vars", merged_vars(option(rest, "--vars"), scratch))
            build_vars = option(rest, "--vars")
            steps.append((f"dbt {rest[0]}", [str(BIN / "dbt"), *rest]))
        elif tool == "secfeat" and rest and rest[0] == "summary":
            continue
        elif tool == "secfeat" and rest and rest[0] == "simulate":
            steps.append(("secfeat simulate", [str(BIN / "secfeat"), *with_option(rest, "--out", str(scratch.landing))]))
        elif tool == "secfeat" and rest:
            known = secfeat_options(rest[0])
            for name, value in (("--duckdb", str(scratch.warehouse)), ("--tracking-dir", str(scratch.mlruns)),
                                ("--vars", merged_vars(option(rest, "--vars") or first_vars, scratch))):
                if name in known:
                    rest = with_option(rest, name, value)
            if "--duckdb" not in rest:
                raise Failed(f"demo step `secfeat {rest[0]}`: it takes no --duckdb; update bench/feature_scale.py")
            if rest[0] == "build":
                build_vars = option(rest, "--vars")
            steps.append((f"secfeat {rest[0]}", [str(BIN / "secfeat"), *rest]))
        else:
            raise Failed(f"the Makefile's demo recipe runs {shlex.join(argv)}: update bench/feature_scale.py")
    if build_vars is None:
        raise Failed("the Makefile's demo recipe runs no dbt build: update bench/feature_scale.py")
    return steps, build_vars


def registered_versions(scratch: Scratch, build_vars: str) -> list[str]:
    from secfeat.cli import project_vars
    from secfeat.registry import registered_versions as versions

    name = project_vars(ROOT, build_vars)["login_model_name"]
    return versions(scratch.mlruns, name) if scratch.mlruns.exists() else []


def bench_demo(scratch: Scratch, found: dict) -> None:
    """The demo flow into a fresh warehouse, then a full-refresh and a no-op scheduled build; into `found`."""
    for path in [*scratch.dir.glob(WAREHOUSE_NAME + "*"), scratch.mlruns]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    steps, build_vars = demo_steps(scratch)
    found.update({"steps": [], "build_vars": build_vars})
    for number, (label, command) in enumerate(steps, 1):
        print(f"-- demo {number}/{len(steps)}: {label}", flush=True)
        outcome = run(command, scratch.logs / f"demo_{number}_{label.replace(' ', '_')}.log", scratch.env())
        found["steps"].append({"label": label, "command": shlex.join(command), "wall": outcome["wall"]})
    for label, extra in (("full", ["--full-refresh"]), ("noop", [])):
        print(f"-- demo: dbt build {' '.join(extra)}(no selection)", flush=True)
        before = registered_versions(scratch, build_vars)
        outcome = scratch.dbt(f"demo_build_{label}", ["build", *dbt_flags(), "--vars", build_vars, *extra])
        outcome["versions_before"], outcome["versions_after"] = before, registered_versions(scratch, build_vars)
        found[label] = outcome
    found["publish"] = publish(scratch.warehouse)
    manifest = json.loads((scratch.target / "manifest.json").read_text())
    found["materialized"] = {uid: node["config"].get("materialized") for uid, node in manifest["nodes"].items()
                             if uid.startswith("model.")}


def publish(warehouse: Path) -> dict:
    """What publishing the warehouse for readers costs: the copy's time and size."""
    from secfeat import warehouse as published

    started = time.perf_counter()
    build = published.publish(warehouse)
    seconds = time.perf_counter() - started
    shutil.rmtree(published.published_root(warehouse))
    return {"seconds": seconds, "bytes": build.manifest["bytes"]}


# --- synthetic logons -----------------------------------------------------------------------------------------

def columns_of(con, relation: str) -> set[str]:
    """The columns of a table or view, however its name is qualified (dbt's relation_name, or schema.table)."""
    return {column[0] for column in con.execute(f"select * from {relation} limit 0").description}


def table_of(con, name: str) -> str:
    found = con.execute("select table_schema from information_schema.tables where table_name = ? "
                        "and table_type = 'BASE TABLE'", [name]).fetchall()
    if len(found) != 1:
        raise Failed(f"expected one table {name} in the warehouse, found {len(found)}")
    return f"{found[0][0]}.{name}"


def insert_logons(con, table: str, count: int, start: str, span_us: int, loaded_at: str, tag: str) -> None:
    """`count` logons at random instants of [start, start + span): users, source IPs, countries and a 10%
    failure rate drawn by hashing the row number (the same rows every run)."""
    countries = "[" + ", ".join(f"'{code}'" for code in COUNTRIES) + "]"
    values = {
        "event_uid": f"'bench-{tag}-' || i::varchar",
        "class_uid": "3002", "category_uid": "3", "activity_id": "1", "type_uid": "300201", "severity_id": "1",
        "status_id": "case when hash(i, 'failed') % 10 = 0 then 2 else 1 end",
        "event_at": f"timestamp '{start}' + to_microseconds((hash(i, 'at') % {span_us})::bigint)",
        "user_name": f"'user' || (hash(i, 'user') % {USERS})::varchar",
        "user_key": f"'user' || (hash(i, 'user') % {USERS})::varchar",
        "src_endpoint_ip": f"'10.' || (hash(i, 'ip') % {SRC_IPS} // 100)::varchar || '.' "
                           f"|| (hash(i, 'ip') % 100)::varchar || '.7'",
        "src_endpoint_location_country": f"{countries}[1 + (hash(i, 'country') % {len(COUNTRIES)})::integer]",
        "source_name": "'windows'",
        "_ingested_at": f"timestamp '{loaded_at}'",
        "_loaded_at": f"timestamp '{loaded_at}'",
    }
    present = columns_of(con, table)
    missing = {"event_uid", "activity_id", "status_id", "event_at", "user_key", "src_endpoint_ip"} - present
    if missing:
        raise Failed(f"{table} has no column {', '.join(sorted(missing))}: update bench/feature_scale.py")
    select = ",\n".join(f"{sql} as {name}" for name, sql in values.items() if name in present)
    con.execute(f"insert into {table} by name select {select} from range({count}) as rows(i)")


def load_bulk(warehouse: Path, count: int) -> dict:
    con = connect(warehouse)
    try:
        auth = table_of(con, "ocsf_authentication")
        # every class the user features read: a demo row loaded later than the synthetic ones would hide them
        for name in ("ocsf_authentication", "ocsf_authorize_session", "ocsf_process_activity", "ocsf_api_activity"):
            con.execute(f"delete from {table_of(con, name)}")
        insert_logons(con, auth, count, BULK_START, BULK_DAYS * DAY_US, BULK_LOADED, "bulk")
        con.execute("checkpoint")
        return {"table": auth, "has_loaded_at": "_loaded_at" in columns_of(con, auth)}
    finally:
        con.close()


def load_hour(warehouse: Path, count: int) -> None:
    con = connect(warehouse)
    try:
        insert_logons(con, table_of(con, "ocsf_authentication"), count, HOUR_START, HOUR_US, HOUR_LOADED, "hour")
        con.execute("checkpoint")
    finally:
        con.close()


# --- the hand-written features --------------------------------------------------------------------------------

def frame(partition: str, window_us: int) -> str:
    # t - window < e <= t, on integer microseconds as the models order them
    return f"over (partition by {partition} order by at_us range between {window_us - 1} preceding and current row)"


def hand_written_sql(auth: str) -> str:
    """The 7 logon features in one query: window functions over the logons."""
    return f"""
create or replace table {HAND_WRITTEN} as
with logons as (
    select event_uid, user_key, src_endpoint_ip, src_endpoint_location_country, status_id, event_at,
           epoch_us(event_at) as at_us
    from {auth}
    where activity_id = 1 and user_key is not null
)
select
    event_uid,
    count(*) filter (where status_id = 2) {frame('user_key', HOUR_US)} as failed_logins_1h,
    count(*) filter (where status_id = 2) {frame('user_key', DAY_US)} as failed_logins_24h,
    count(*) filter (where status_id = 1) {frame('user_key', 7 * DAY_US)} as successful_logins_7d,
    count(distinct src_endpoint_ip) {frame('user_key', DAY_US)} as distinct_src_ips_24h,
    count(distinct src_endpoint_location_country) {frame('user_key', 7 * DAY_US)} as login_geo_diversity_7d,
    case when src_endpoint_ip is not null
        then count(*) {frame('user_key, src_endpoint_ip', 30 * DAY_US)} <= 1 end as is_new_src_ip_30d,
    case when src_endpoint_ip is not null
        then count(distinct user_key) filter (where status_id = 2) {frame('src_endpoint_ip', HOUR_US)}
    end as distinct_users_failed_1h
from logons"""


def hand_written_new_rows_sql(auth: str, loaded_at_column: str, loaded_at: str) -> str:
    """The same 7 features for the rows loaded at `loaded_at` only, each new logon joined to the logons of
    its windows (a check of the incremental build, not timed)."""
    return f"""
insert into {HAND_WRITTEN}
with logons as (
    select event_uid, user_key, src_endpoint_ip, src_endpoint_location_country, status_id,
           epoch_us(event_at) as at_us, {loaded_at_column} as loaded
    from {auth}
    where activity_id = 1 and user_key is not null
),
new as (select * from logons where loaded = timestamp '{loaded_at}'),
per_user as (
    select new.event_uid,
        count(*) filter (where e.status_id = 2 and e.at_us > new.at_us - {HOUR_US}) as failed_logins_1h,
        count(*) filter (where e.status_id = 2 and e.at_us > new.at_us - {DAY_US}) as failed_logins_24h,
        count(*) filter (where e.status_id = 1) as successful_logins_7d,
        count(distinct e.src_endpoint_ip) filter (where e.at_us > new.at_us - {DAY_US}) as distinct_src_ips_24h,
        count(distinct e.src_endpoint_location_country) as login_geo_diversity_7d
    from new join logons as e
        on e.user_key = new.user_key and e.at_us <= new.at_us and e.at_us > new.at_us - {7 * DAY_US}
    group by new.event_uid
),
per_user_src_ip as (
    select new.event_uid, count(*) <= 1 as is_new_src_ip_30d
    from new join logons as e
        on e.user_key = new.user_key and e.src_endpoint_ip = new.src_endpoint_ip
        and e.at_us <= new.at_us and e.at_us > new.at_us - {30 * DAY_US}
    group by new.event_uid
),
per_src_ip as (
    select new.event_uid, count(distinct case when e.status_id = 2 then e.user_key end) as distinct_users_failed_1h
    from new join logons as e
        on e.src_endpoint_ip = new.src_endpoint_ip and e.at_us <= new.at_us and e.at_us > new.at_us - {HOUR_US}
    group by new.event_uid
)
select event_uid, failed_logins_1h, failed_logins_24h, successful_logins_7d, distinct_src_ips_24h,
    login_geo_diversity_7d, is_new_src_ip_30d, distinct_users_failed_1h
from new
join per_user using (event_uid)
left join per_user_src_ip using (event_uid)
left join per_src_ip using (event_uid)"""


def hand_written_main(warehouse: str) -> int:
    """Run in its own process (so /usr/bin/time measures it alone): the query, timed, its seconds on stdout."""
    con = connect(Path(warehouse))
    auth = table_of(con, "ocsf_authentication")
    sql = hand_written_sql(auth)
    started = time.perf_counter()
    con.execute(sql)
    seconds = time.perf_counter() - started
    rows = con.execute(f"select count(*) from {HAND_WRITTEN}").fetchone()[0]
    con.close()
    print(json.dumps({"seconds": seconds, "rows": rows}))
    return 0


def compare(warehouse: Path, relations: dict[str, str]) -> dict:
    """Every logon's 7 features as the models hold them (joined as feat_authentication_events joins them)
    against the hand-written ones: rows on both sides, on one side only, differing (any and per feature)."""
    con = connect(warehouse)
    try:
        user, user_ip, ip = (relations[name] for name in (USER_TABLE, USER_SRC_IP_TABLE, SRC_IP_TABLE))
        alias = {USER_TABLE: "u", USER_SRC_IP_TABLE: "ui", SRC_IP_TABLE: "i"}
        models = (f"select u.event_uid, {', '.join(f'{alias[t]}.{f}' for f, t in FEATURES.items())} "
                  f"from (select * from {user} where activity_kind = 'logon') as u "
                  f"left join {user_ip} as ui using (event_uid) left join {ip} as i using (event_uid)")
        both = "m.event_uid is not null and h.event_uid is not null"
        differs = {feature: f"m.{feature} is distinct from h.{feature}" for feature in FEATURES}
        row = con.execute(f"""
            select
                count(*) filter (where {both}),
                count(*) filter (where h.event_uid is null),
                count(*) filter (where m.event_uid is null),
                count(*) filter (where {both} and ({' or '.join(differs.values())})),
                {', '.join(f'count(*) filter (where {both} and {sql})' for sql in differs.values())}
            from ({models}) as m full join {HAND_WRITTEN} as h on m.event_uid = h.event_uid""").fetchone()
        return {"compared": row[0], "models_only": row[1], "hand_written_only": row[2], "differing": row[3],
                "per_feature": dict(zip(FEATURES, row[4:]))}
    finally:
        con.close()


def computed_stamps(warehouse: Path, relations: dict[str, str]) -> dict[str, object]:
    con = connect(warehouse, read_only=True)
    try:
        stamps = {}
        for name in (USER_TABLE, USER_SRC_IP_TABLE, SRC_IP_TABLE):
            has = "_computed_at" in columns_of(con, relations[name])
            stamps[name] = con.execute(f"select max(_computed_at) from {relations[name]}").fetchone()[0] if has else None
        return stamps
    finally:
        con.close()


def recomputed_rows(warehouse: Path, relations: dict[str, str], after: dict[str, object]) -> dict[str, object]:
    """Rows each table's last build (re)wrote: those computed after the full build."""
    con = connect(warehouse, read_only=True)
    try:
        found = {}
        for name, stamp in after.items():
            total = con.execute(f"select count(*) from {relations[name]}").fetchone()[0]
            written = (con.execute(f"select count(*) from {relations[name]} where _computed_at > ?", [stamp])
                       .fetchone()[0] if stamp is not None else None)
            found[name] = {"rows": total, "recomputed": written}
        return found
    finally:
        con.close()


# --- one size -------------------------------------------------------------------------------------------------

def relations_of(outcome: dict) -> dict[str, str]:
    return {uid.split(".")[-1]: node["relation"] for uid, node in outcome["nodes"].items() if uid.startswith("model.")}


def bench_size(size: int, base: Path, threads: int | None) -> dict:
    scratch = Scratch(HERE / f"{size}", threads)
    scratch.dir.mkdir(parents=True, exist_ok=True)
    for path in scratch.dir.glob(WAREHOUSE_NAME + "*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copyfile(base, scratch.warehouse)
    name = f"{size:,} logons"
    print(f"-- {name}: loading synthetic logons into {scratch.warehouse.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    loaded = load_bulk(scratch.warehouse, size)
    found = {"size": size, "load_seconds": time.perf_counter() - started, **loaded}
    select = ["--select", *FEATURE_MODELS]

    print(f"-- {name}: full build of the feature models (dbt run --full-refresh)", flush=True)
    full = scratch.dbt("full", ["run", *dbt_flags(), *select, "--full-refresh"])
    relations = relations_of(full)
    if set(relations) != set(FEATURE_MODELS):
        raise Failed(f"--select {' '.join(FEATURE_MODELS)} built {sorted(relations)}")
    found["full"] = full

    print(f"-- {name}: publishing the warehouse for readers", flush=True)
    found["publish"] = publish(scratch.warehouse)

    print(f"-- {name}: the hand-written query", flush=True)
    hand = run([sys.executable, str(Path(__file__).resolve()), "--hand-written", str(scratch.warehouse)],
               scratch.logs / "hand_written.log", scratch.env())
    hand.update(json.loads((scratch.logs / "hand_written.log").read_text().strip().splitlines()[-1]))
    found["hand_written"] = hand
    found["compare_full"] = compare(scratch.warehouse, relations)
    stamps = computed_stamps(scratch.warehouse, relations)

    hour = max(1, size // HOURS_PER_BULK)
    print(f"-- {name}: an incremental hour ({hour:,} new logons), dbt run", flush=True)
    load_hour(scratch.warehouse, hour)
    incremental = scratch.dbt("incremental", ["run", *dbt_flags(), *select])
    found["hour"], found["incremental"] = hour, incremental
    found["recomputed"] = recomputed_rows(scratch.warehouse, relations, stamps)
    con = connect(scratch.warehouse)
    try:
        auth = table_of(con, "ocsf_authentication")
        loaded_at = "_loaded_at" if found["has_loaded_at"] else "_ingested_at"
        con.execute(hand_written_new_rows_sql(auth, loaded_at, HOUR_LOADED))
    finally:
        con.close()
    found["compare_incremental"] = compare(scratch.warehouse, relations)
    return found


# --- the report -----------------------------------------------------------------------------------------------

def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows] if row) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                         for i, (cell, width) in enumerate(zip(row, widths)))

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) if row else rule for row in rows)])


def verdict(ok: bool | None) -> str:
    return "" if ok is None else (" ok" if ok else " MISS")


def scale_report(sizes: list[dict]) -> str:
    largest = max(found["size"] for found in sizes)

    def cells(fn) -> list[str]:
        return [fn(found) for found in sizes]

    def goal_cells(value, limit: float, fmt: str, only_largest: bool = False) -> list[str]:
        out = []
        for found in sizes:
            number = value(found)
            judged = None if only_largest and found["size"] != largest else (number is not None and number <= limit)
            out.append((format(number, fmt) if number is not None else "-") + verdict(judged))
        return out

    full_models = lambda f: models_span(f["full"])  # noqa: E731
    inc_models = lambda f: models_span(f["incremental"])  # noqa: E731
    hand = lambda f: f["hand_written"]["seconds"]  # noqa: E731
    rows = [
        ["synthetic load into ocsf_authentication (s)", *cells(lambda f: f"{f['load_seconds']:.1f}")],
        ["_loaded_at in the OCSF table", *cells(lambda f: "yes" if f["has_loaded_at"] else "no (_ingested_at)")],
        [],
        ["full build: models' elapsed time (s)", *cells(lambda f: f"{full_models(f):.1f}")],
        ["full build: models' execution times, summed (s)", *cells(lambda f: f"{model_time(f['full']):.1f}")],
        ["full build: dbt wall time (s)", *cells(lambda f: f"{f['full']['wall']:.1f}")],
        ["publish for readers: copy of the warehouse (s)", *cells(lambda f: f"{f['publish']['seconds']:.1f}")],
        ["publish: warehouse size (MB)", *cells(lambda f: f"{f['publish']['bytes'] / 1e6:,.0f}")],
        ["publish / full build, models' elapsed (%)",
         *cells(lambda f: f"{f['publish']['seconds'] / full_models(f):.1%}")],
        ["hand-written query (s)", *cells(lambda f: f"{hand(f):.1f}")],
        ["hand-written, process wall time (s)", *cells(lambda f: f"{f['hand_written']['wall']:.1f}")],
        ["full / hand-written, models' elapsed (goal <= 1.5x)",
         *goal_cells(lambda f: full_models(f) / hand(f), GOALS["full_over_hand"], ".2f")],
        ["full / hand-written, models' summed", *cells(lambda f: f"{model_time(f['full']) / hand(f):.2f}")],
        ["full / hand-written, wall (dbt / query)", *cells(lambda f: f"{f['full']['wall'] / hand(f):.2f}")],
        ["full / hand-written, CPU time (dbt / query's process)",
         *cells(lambda f: f"{f['full']['cpu'] / f['hand_written']['cpu']:.2f}")],
        [],
    ]
    for label, key in (("after the full build", "compare_full"), ("after the incremental hour", "compare_incremental")):
        rows += [
            [f"{label}: rows compared", *cells(lambda f: f"{f[key]['compared']:,}")],
            ["  rows only in the models / only hand-written",
             *cells(lambda f: f"{f[key]['models_only']:,} / {f[key]['hand_written_only']:,}")],
            ["  rows differing (any of the 7 features)", *cells(lambda f: f"{f[key]['differing']:,}")],
            *[[f"    {feature}", *cells(lambda f, feature=feature: f"{f[key]['per_feature'][feature]:,}")]
              for feature in FEATURES],
        ]
    rows += [
        [],
        ["incremental hour: new logons", *cells(lambda f: f"{f['hour']:,}")],
        ["incremental: models' elapsed time (s)", *cells(lambda f: f"{inc_models(f):.2f}")],
        ["incremental: models' execution times, summed (s)", *cells(lambda f: f"{model_time(f['incremental']):.2f}")],
        ["incremental: dbt wall time (s)", *cells(lambda f: f"{f['incremental']['wall']:.1f}")],
        ["incremental / full, models' elapsed (%; goal <= 5 at the largest)",
         *goal_cells(lambda f: inc_models(f) / full_models(f) * 100, GOALS["incremental_over_full"] * 100, ".1f",
                     only_largest=True)],
        ["incremental / full, models' summed (%)",
         *cells(lambda f: f"{model_time(f['incremental']) / model_time(f['full']):.1%}")],
        ["incremental / full, wall (%)", *cells(lambda f: f"{f['incremental']['wall'] / f['full']['wall']:.1%}")],
        ["incremental / full, CPU time (%)", *cells(lambda f: f"{f['incremental']['cpu'] / f['full']['cpu']:.1%}")],
        *[[f"  rows (re)written by it: {name}", *cells(
            lambda f, name=name: f"{f['recomputed'][name]['recomputed']:,} of {f['recomputed'][name]['rows']:,}"
            if f["recomputed"][name]["recomputed"] is not None else "- (no _computed_at)")]
          for name in (USER_TABLE, USER_SRC_IP_TABLE, SRC_IP_TABLE)],
        [],
        ["peak RSS, full build (MiB; goal < 4096 at the largest)",
         *goal_cells(lambda f: f["full"]["rss_mb"], GOALS["peak_rss_mb"], ".0f", only_largest=True)],
        ["peak RSS, incremental (MiB; goal < 4096 at the largest)",
         *goal_cells(lambda f: f["incremental"]["rss_mb"], GOALS["peak_rss_mb"], ".0f", only_largest=True)],
        ["peak RSS, hand-written query (MiB)", *cells(lambda f: f"{f['hand_written']['rss_mb']:.0f}")],
        ["load average (1 min) after: full / hand-written / incremental",
         *cells(lambda f: " / ".join(f"{f[key]['load']:.1f}" for key in ("full", "hand_written", "incremental")))],
        [],
    ]
    for model in FEATURE_MODELS:
        rows.append([f"{model} (s: full / incremental)", *cells(
            lambda f, model=model: f"{model_time(f['full'], [model]):.1f} / {model_time(f['incremental'], [model]):.2f}")])
    header = ["feature models", *(f"{found['size']:,} logons" for found in sizes)]
    return "\n".join([
        "== the feature layer on synthetic logons (50k users, 5k source IPs, 6 countries, 30 days, 10% failed) ==",
        "",
        table(rows, header),
    ])


def demo_report(demo: dict) -> str:
    full, noop = demo["full"], demo["noop"]

    def ratio(part: float, whole: float) -> str:
        return f"{part / whole:.1%}" if whole else "-"

    span = lambda outcome: models_span(outcome, ("model.", "test.", "unit_test.", "seed.", "snapshot."))  # noqa: E731
    nodes_ratio = span(noop) / span(full) if span(full) else None
    rows = [
        ["build's elapsed time (s: first node's start to the last one's end)", f"{span(full):.1f}",
         f"{span(noop):.1f}", ratio(span(noop), span(full))],
        ["models' execution times, summed (s)", f"{model_time(full):.1f}", f"{model_time(noop):.1f}",
         ratio(model_time(noop), model_time(full))],
        ["all nodes' execution time (s: models, tests, seeds, snapshots)", f"{nodes_time(full):.1f}",
         f"{nodes_time(noop):.1f}", ratio(nodes_time(noop), nodes_time(full))],
        ["dbt wall time (s)", f"{full['wall']:.1f}", f"{noop['wall']:.1f}", ratio(noop["wall"], full["wall"])],
        ["dbt CPU time (s)", f"{full['cpu']:.1f}", f"{noop['cpu']:.1f}", ratio(noop["cpu"], full["cpu"])],
        ["peak RSS (MiB)", f"{full['rss_mb']:.0f}", f"{noop['rss_mb']:.0f}", ""],
        ["load average (1 min) after", f"{full['load']:.1f}", f"{noop['load']:.1f}", ""],
        ["MLflow versions registered before", str(len(full["versions_before"])), str(len(noop["versions_before"])), ""],
        ["MLflow versions registered after", str(len(full["versions_after"])), str(len(noop["versions_after"])), ""],
        ["publish for readers after it (s; MB copied)", "", f"{demo['publish']['seconds']:.1f}",
         f"{demo['publish']['bytes'] / 1e6:,.0f} MB"],
    ]
    # where the time goes: models by materialization, then the other kinds of node
    kinds = {}
    for uid in set(full["nodes"]) | set(noop["nodes"]):
        kind = uid.split(".")[0]
        if kind == "model":
            kind = f"{demo.get('materialized', {}).get(uid) or '?'} models"
        else:
            kind = {"test": "data tests", "unit_test": "unit tests"}.get(kind, kind + "s")
        count, full_s, noop_s = kinds.get(kind, (0, 0.0, 0.0))
        kinds[kind] = (count + 1, full_s + full["nodes"].get(uid, {}).get("time", 0.0),
                       noop_s + noop["nodes"].get(uid, {}).get("time", 0.0))
    rows.append([])
    rows += [[f"  {kind} ({count}), execution time summed (s)", f"{full_s:.1f}", f"{noop_s:.1f}", ratio(noop_s, full_s)]
             for kind, (count, full_s, noop_s) in sorted(kinds.items(), key=lambda item: -item[1][2])]
    registered = len(noop["versions_after"]) - len(noop["versions_before"])
    full_registered = len(full["versions_after"]) - len(full["versions_before"])
    wall_ratio = noop["wall"] / full["wall"]
    slowest = sorted(((node["time"], uid) for uid, node in noop["nodes"].items()), reverse=True)[:8]
    return "\n".join([
        "== the demo warehouse: the scheduled build (dbt build, no selection), full refresh and no-op ==",
        "demo flow: " + "; ".join(f"{step['label']} {step['wall']:.0f} s" for step in demo["steps"]),
        "",
        table(rows, ["", "full (--full-refresh)", "no-op", "no-op/full"]),
        "",
        f"no-op / full: {ratio(span(noop), span(full))} (build's elapsed), "
        f"{ratio(noop['wall'], full['wall'])} (wall); goal <= 15%:"
        f"{verdict(nodes_ratio is not None and nodes_ratio <= GOALS['noop_over_full'])} (elapsed),"
        f"{verdict(wall_ratio <= GOALS['noop_over_full'])} (wall)",
        f"versions registered by the no-op: {registered}{verdict(registered == 0)} (goal: none); "
        f"by the full refresh: {full_registered}{verdict(full_registered == 0)}",
        "slowest nodes of the no-op: " + ", ".join(f"{uid.split('.', 2)[-1]} {seconds:.1f} s"
                                                  for seconds, uid in slowest),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2_000_000, 10_000_000],
                        help="numbers of synthetic logons (none: the demo part only)")
    parser.add_argument("--skip-demo", action="store_true",
                        help="reuse the demo warehouse of an earlier run; no full/no-op builds")
    parser.add_argument("--threads", type=int, help="dbt threads (default: the profile's)")
    parser.add_argument("--hand-written", metavar="WAREHOUSE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.hand_written:
        return hand_written_main(args.hand_written)

    started = time.perf_counter()
    HERE.mkdir(parents=True, exist_ok=True)
    lock = (SCRATCH / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"-- another bench is running in {SCRATCH.relative_to(ROOT)}: waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    settings = settings_in_force()
    print(f"-- {settings}", flush=True)
    demo_scratch = Scratch(HERE / "demo", args.threads)
    reports, figures, failed = [], {"settings": settings}, False
    if not args.skip_demo:
        try:
            bench_demo(demo_scratch, figures.setdefault("demo", {}))
        except Failed as error:
            figures["demo"]["error"] = str(error)
            # the sizes need only the demo warehouse's tables, which an earlier step may have built
            print(f"error: the demo: {error}", file=sys.stderr)
            failed = True
    try:
        if args.sizes:
            if not demo_scratch.warehouse.exists():
                raise Failed(f"no demo warehouse at {demo_scratch.warehouse}: run without --skip-demo")
            figures["sizes"] = [bench_size(size, demo_scratch.warehouse, args.threads) for size in args.sizes]
    except Failed as error:
        print(f"error: {error}", file=sys.stderr)
        failed = True
    (HERE / "bench.json").write_text(json.dumps(figures, indent=2, default=str))
    if "sizes" in figures:
        reports.append(scale_report(figures["sizes"]))
    if "demo" in figures and "noop" in figures["demo"]:
        reports.append(demo_report(figures["demo"]))
    elif "demo" in figures:
        done = "; ".join(f"{step['label']} {step['wall']:.0f} s" for step in figures["demo"].get("steps", []))
        reports.append(f"== the demo warehouse: FAILED after: {done or 'nothing'} ==\n"
                       + figures["demo"].get("error", "").split("\n")[0])
    print()
    print("\n\n".join(reports))
    print(f"\n{settings}\nbench total: {time.perf_counter() - started:.0f} s; load average at the end "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
