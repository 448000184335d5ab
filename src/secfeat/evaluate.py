"""`secfeat evaluate`: how the detections do on organisations they never saw.

For each org (seed, days, events per day; optionally its shapes and how many
people it has, see Org.parse) it simulates a landing zone, moves
the ground truth (incidents.csv) out of it so the warehouse holds no labels,
builds a fresh warehouse and scores it with the current champion, then
rebuilds `alerts` for each mix of detections (rules, the model, both) and
matches the raised alerts to the ground truth. With --unsupervised it trains
an isolation forest on the org itself instead (no labels: the truth is not
in the landing zone) and makes it the org's own champion.

An alert catches an incident when it is about the incident's entity (a user,
a source IP) and overlaps its time (an hour's slack either side), or when one
of its evidence events is the incident's: the entity's own event inside the
incident's window. Precision at the budget is the share of raised alerts (at
most the daily budget a day) that catch some incident; a false alert is a
raised alert that catches none, counted per detection (the alert's own, its
most severe) and per day and 100 people of the org, so that orgs of every
size and shape compare.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from secfeat.simulate.population import population_size
from secfeat.simulate.shapes import check_shapes

MIXES = {"rules": ["rule"], "model": ["model"], "both": ["rule", "model"]}
EVALUATION_END = datetime(2026, 3, 1)  # far from the demo week and the test fixtures
DEFAULT_ORGS = ("101:10:8000", "202:8:15000", "303:12:5000")
# Named lists of orgs (--shapes-preset). five-shapes: orgs of other shapes, from 20 to 5,000
# people, each at most 60,000 events a day with its shapes' own (seeds unlike the demo's and the tests').
PRESETS = {
    "five-shapes": (
        "401:10:4000:few_process_devices",  # 20 people, processes logged on three servers only
        "402:10:12000:shared_hosts+few_process_devices",  # 60 people on terminal servers
        "403:8:40000:shared_hosts+nat_offices+exposed_sshd+service_accounts:users=300",
        "404:9:30000:exposed_sshd+service_accounts",  # 150 people
        "405:7:30000:nat_offices+exposed_sshd:users=5000",  # 5,000 people, 6 ordinary events a day each
    ),
}
ORG_FORMAT = "SEED:DAYS:EVENTS_PER_DAY[:SHAPE+SHAPE...][:USERS=N]"


@dataclass(frozen=True)
class Org:
    seed: int
    days: int
    events_per_day: int
    shapes: tuple[str, ...] = ()  # secfeat.simulate.shapes, kept in their registry's order
    users: int | None = None  # how many people (None: the generator's default for events_per_day)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", check_shapes(self.shapes))

    @classmethod
    def parse(cls, text: str) -> "Org":
        """SEED:DAYS:EVENTS_PER_DAY[:SHAPE+SHAPE...][:USERS=N]: e.g. 101:10:8000, or
        404:9:30000:exposed_sshd+service_accounts, or 405:7:30000:nat_offices:users=3000.

        SHAPE: one of secfeat.simulate.shapes.SHAPES (shared_hosts, few_process_devices,
        nat_offices, exposed_sshd, service_accounts), joined with +, in any order. USERS=N: how
        many people the org has (default EVENTS_PER_DAY / 200, at least 20; at least 5)."""
        usage = (f"org {text!r}: expected {ORG_FORMAT}, e.g. 101:10:8000 or "
                 "405:7:30000:nat_offices+exposed_sshd:users=3000")
        parts = text.split(":")
        if not 3 <= len(parts) <= 5:
            raise ValueError(usage)
        try:
            seed, days, events_per_day = (int(part) for part in parts[:3])
        except ValueError:
            raise ValueError(usage) from None
        shapes: tuple[str, ...] = ()
        users = None
        for part in parts[3:]:
            key, equals, value = part.partition("=")
            if equals and key.strip().lower() == "users" and users is None and value.strip().isdigit():
                users = int(value)
            elif not equals and not shapes and all(part.split("+")):
                shapes = tuple(part.split("+"))
            else:
                raise ValueError(usage)
        if days < 2 or events_per_day < 1:
            raise ValueError(f"org {text!r}: at least 2 days (attacks start on day 2) and 1 event a day")
        if users is not None and users < 5:
            raise ValueError(f"org {text!r}: at least 5 users (every role exists)")
        try:
            return cls(seed, days, events_per_day, shapes, users)
        except ValueError as error:  # an unknown shape: the message names the valid ones
            raise ValueError(f"org {text!r}: {error}") from None

    @property
    def name(self) -> str:
        name = f"org-{self.seed}-{self.days}d-{self.events_per_day}"
        if self.users is not None:
            name += f"-{self.users}u"
        return f"{name}-{'+'.join(self.shapes)}" if self.shapes else name

    @property
    def population(self) -> int:
        """How many people the simulated org has."""
        return population_size(self.events_per_day, self.users)


def preset_orgs(name: str) -> list[Org]:
    if name not in PRESETS:
        raise ValueError(f"no such preset: {name} (presets: {', '.join(PRESETS)})")
    return [Org.parse(text) for text in PRESETS[name]]


@dataclass
class MixResult:
    attacks: dict[str, int] = field(default_factory=dict)  # technique -> incidents
    caught: dict[str, int] = field(default_factory=dict)  # technique -> incidents caught
    raised: int = 0
    true_alerts: int = 0
    days: int = 0
    users: int = 0  # the org's people (in a total: summed over the orgs)
    user_days: int = 0  # users x days (in a total: summed): what false alerts are counted against
    # per detection (an alert's own, its most severe): raised alerts, those that catch an incident,
    # and the incidents they catch
    raised_by_detection: dict[str, int] = field(default_factory=dict)
    true_by_detection: dict[str, int] = field(default_factory=dict)
    caught_by_detection: dict[str, int] = field(default_factory=dict)
    # what the guards and suppressions cost in recall: per verdict (insufficient_baseline, suppressed,
    # disabled), the attacks no raised alert caught that a signal held back by it would have touched
    held_back: dict[str, int] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        total = sum(self.attacks.values())
        return sum(self.caught.values()) / total if total else float("nan")

    @property
    def precision(self) -> float:
        return self.true_alerts / self.raised if self.raised else float("nan")

    @property
    def alerts_per_day(self) -> float:
        return self.raised / self.days if self.days else float("nan")

    @property
    def false_alerts(self) -> int:
        """Raised alerts that catch no incident."""
        return self.raised - self.true_alerts

    @property
    def false_by_detection(self) -> dict[str, int]:
        return {detection: raised - self.true_by_detection.get(detection, 0)
                for detection, raised in self.raised_by_detection.items()}

    def per_day_per_100_users(self, alerts: int) -> float:
        return 100 * alerts / self.user_days if self.user_days else float("nan")

    @property
    def false_alerts_per_day_per_100_users(self) -> float:
        return self.per_day_per_100_users(self.false_alerts)


# The alerts' evidence events with who and when, from every OCSF class a detection reads.
EVIDENCE_SQL = """
create or replace temp table evidence as
with events as (
    select event_uid, user_key, src_endpoint_ip, event_at from ocsf_authentication
    union all
    select event_uid, lower(actor_user_name), src_endpoint_ip, event_at from ocsf_authentication
    where actor_user_name is not null
    union all
    select event_uid, user_key, src_endpoint_ip, event_at from ocsf_api_activity
    union all
    select event_uid, user_key, null, event_at from ocsf_process_activity
    union all
    select event_uid, user_key, null, event_at from ocsf_authorize_session
)
select alerts.alert_id, events.user_key, events.src_endpoint_ip, events.event_at
from alerts, unnest(alerts.evidence_event_uids) as evidence(event_uid)
inner join events on events.event_uid = evidence.event_uid
where alerts.status = 'raised'
"""

MATCH_SQL = """
select distinct alerts.alert_id, truth.incident_id, truth.technique
from alerts
inner join truth
    on (
        alerts.entity_type = truth.entity_type and alerts.entity_key = truth.entity
        and alerts.first_event_at <= truth.end_at + interval 1 hour
        and alerts.last_event_at >= truth.start_at - interval 1 hour
    ) or exists (
        select 1 from evidence
        where evidence.alert_id = alerts.alert_id
            and ((truth.entity_type = 'user' and evidence.user_key = truth.entity)
                 or (truth.entity_type = 'src_ip' and evidence.src_endpoint_ip = truth.entity))
            and evidence.event_at between truth.start_at - interval 1 minute and truth.end_at + interval 1 minute
    )
where alerts.status = 'raised'
"""


# Signals held back from alerts (a guard or a suppression) that touch an attack no raised alert caught:
# on its entity, or its user or address, inside its window (a minute's slack, as for evidence).
HELD_BACK_SQL = """
select held.verdict, count(distinct truth.incident_id)
from triaged_signals as held
inner join truth
    on (
        (held.entity_type = truth.entity_type and held.entity_key = truth.entity)
        or (truth.entity_type = 'user' and held.user_key = truth.entity)
        or (truth.entity_type = 'src_ip' and held.src_endpoint_ip = truth.entity)
    )
    and held.event_at between truth.start_at - interval 1 minute and truth.end_at + interval 1 minute
where held.verdict in ('insufficient_baseline', 'suppressed', 'disabled')
    and truth.incident_id not in (select incident_id from matched)
group by held.verdict
order by held.verdict
"""


def match_alerts(con, truth_csv: Path) -> MixResult:
    """Score the raised alerts of a warehouse (an open DuckDB connection) against incidents.csv."""
    con.execute("create or replace temp table truth as select * from read_csv(?, header = true, "
                "columns = {'incident_id': 'varchar', 'technique': 'varchar', 'entity_type': 'varchar', "
                "'entity': 'varchar', 'start_at': 'timestamp', 'end_at': 'timestamp'})", [str(truth_csv)])
    con.execute(EVIDENCE_SQL)
    con.execute(f"create or replace temp table matched as {MATCH_SQL}")
    result = MixResult()
    for technique, attacks, caught in con.execute(
            "select technique, count(distinct incident_id), "
            "count(distinct case when incident_id in (select incident_id from matched) then incident_id end) "
            "from truth group by technique order by technique").fetchall():
        result.attacks[technique], result.caught[technique] = attacks, caught
    result.raised, result.true_alerts = con.execute(
        "select count(*), count(*) filter (where alert_id in (select alert_id from matched)) "
        "from alerts where status = 'raised'").fetchone()
    columns = {column[0] for column in con.execute("select * from alerts limit 0").description}
    detection = "alerts.detection" if "detection" in columns else "'unnamed'"
    for name, raised, true_alerts in con.execute(
            f"select {detection}, count(*), count(*) filter (where alert_id in (select alert_id from matched)) "
            "from alerts where status = 'raised' group by all order by all").fetchall():
        result.raised_by_detection[name], result.true_by_detection[name] = raised, true_alerts
    result.caught_by_detection = dict(con.execute(
        f"select {detection}, count(distinct matched.incident_id) from matched "
        "inner join alerts on alerts.alert_id = matched.alert_id group by all order by all").fetchall())
    (has_signals,), = con.execute("select count(*) from duckdb_views() where view_name = 'triaged_signals' "
                                  "and database_name = current_database()").fetchall()
    if has_signals:
        result.held_back = dict(con.execute(HELD_BACK_SQL).fetchall())
    return result


class OrgWarehouse:
    """One org's landing zone, warehouse and (unsupervised) MLflow store under `root`."""

    def __init__(self, project_dir: Path, root: Path, org: Org, tracking_dir: Path, daily_budget: int):
        self.project_dir, self.root, self.org = project_dir, root / org.name, org
        self.landing, self.truth = self.root / "landing", self.root / "incidents.csv"
        self.database = self.root / "secfeat.duckdb"
        self.tracking_dir, self.daily_budget = tracking_dir, daily_budget

    def vars(self, **more) -> str:
        values = {"landing_dir": str(self.landing), "mlflow_tracking_dir": str(self.tracking_dir),
                  "as_of": f"{EVALUATION_END:%Y-%m-%d %H:%M:%S}", "alerts_daily_budget": self.daily_budget, **more}
        return json.dumps(values)

    def dbt(self, *args: str, **more_vars) -> None:
        from dbt.cli.main import dbtRunner

        os.environ["SECFEAT_DUCKDB_PATH"] = str(self.database)
        result = dbtRunner().invoke([*args, "--project-dir", str(self.project_dir), "--profiles-dir",
                                     str(self.project_dir / "profiles"), "--vars", self.vars(**more_vars),
                                     "--quiet"])
        if not result.success:
            failures = [f"{r.node.name}: {r.message}" for r in (getattr(result.result, "results", None) or [])
                        if r.status in ("error", "fail")]
            raise RuntimeError(f"{self.org.name}: dbt {' '.join(args)} failed: "
                               + ("; ".join(failures) or str(result.exception)))

    def simulate(self) -> None:
        from secfeat.simulate import SimulationConfig, simulate

        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        simulate(SimulationConfig(self.org.days, self.org.events_per_day, self.org.seed, EVALUATION_END,
                                  self.landing, shapes=self.org.shapes, users=self.org.users))
        # the warehouse gets no labels: the truth is only for scoring the alerts
        (self.landing / "incidents.csv").rename(self.truth)

    def build(self, unsupervised: bool) -> None:
        if not unsupervised:
            self.dbt("build")  # the scheduled build: everything but training
            return
        from secfeat.promote import promote

        self.dbt("build", "--exclude", "tag:training", "tag:uses_champion+")
        self.dbt("build", "--selector", "training", login_model_algorithm="isolation_forest")
        # read-write: the dbt of this process holds the warehouse open
        if promote(self.database, self.tracking_dir, "secfeat_login_risk", None, threshold=0.9, top_k=100,
                   bootstrap=True, out=lambda line: None, read_only=False) != 0:
            raise RuntimeError(f"{self.org.name}: the isolation forest could not be made the org's champion")
        self.dbt("build", "--select", "tag:uses_champion+", "--indirect-selection", "cautious",
                 login_model_algorithm="isolation_forest")

    def alerts_of(self, kinds: list[str]) -> MixResult:
        from secfeat.warehouse import connect_build

        # the detections' views too: cheap, and a changed rule counts without a rebuild of the org
        # (the unit tests prove the rules, not this org: left to the project's own builds)
        self.dbt("build", "--select", "models/detections", "--exclude", "test_type:unit",
                 "--indirect-selection", "cautious", alert_detection_kinds=kinds)
        con = connect_build(self.database)  # read-write, as the dbt of this process opened it
        try:
            result = match_alerts(con, self.truth)
            result.days, result.users = self.org.days, self.org.population
            result.user_days = result.days * result.users
            return result
        finally:
            con.close()


def evaluate(project_dir: Path, orgs: list[Org], work_dir: Path, tracking_dir: Path, daily_budget: int = 20,
             unsupervised: bool = False) -> dict[str, dict[str, MixResult]]:
    results: dict[str, dict[str, MixResult]] = {}
    for org in orgs:
        store = work_dir / org.name / "mlruns" if unsupervised else tracking_dir
        warehouse = OrgWarehouse(project_dir, work_dir, org, store, daily_budget)
        warehouse.simulate()
        warehouse.build(unsupervised)
        results[org.name] = {mix: warehouse.alerts_of(kinds) for mix, kinds in MIXES.items()}
    return results


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def total(results: dict[str, dict[str, MixResult]], mix: str) -> MixResult:
    summed = MixResult()
    for by_mix in results.values():
        one = by_mix[mix]
        _add(summed.attacks, one.attacks)
        _add(summed.caught, one.caught)
        summed.raised += one.raised
        summed.true_alerts += one.true_alerts
        summed.days += one.days
        summed.users += one.users
        summed.user_days += one.user_days
        _add(summed.raised_by_detection, one.raised_by_detection)
        _add(summed.true_by_detection, one.true_by_detection)
        _add(summed.caught_by_detection, one.caught_by_detection)
        _add(summed.held_back, one.held_back)
    return summed


def report(results: dict[str, dict[str, MixResult]], daily_budget: int) -> str:
    """Per technique: attacks caught by rules, the model and both; then recall, alerts a day, precision;
    then the false alerts (false_alert_report)."""
    lines = []
    for title, by_mix in [*results.items(), ("all orgs", {mix: total(results, mix) for mix in MIXES})]:
        lines.append(f"{title}: attacks caught at no more than {daily_budget} alerts a day")
        lines.append(f"  {'technique':<28}{'attacks':>8}" + "".join(f"{mix:>8}" for mix in MIXES))
        for technique in sorted(by_mix["both"].attacks):
            lines.append(f"  {technique:<28}{by_mix['both'].attacks[technique]:>8}"
                         + "".join(f"{by_mix[mix].caught[technique]:>8}" for mix in MIXES))
        lines.append(f"  {'recall':<36}" + "".join(f"{by_mix[mix].recall:>8.0%}" for mix in MIXES))
        lines.append(f"  {'alerts a day':<36}" + "".join(f"{by_mix[mix].alerts_per_day:>8.1f}" for mix in MIXES))
        lines.append(f"  {'precision at the budget':<36}" + "".join(f"{by_mix[mix].precision:>8.2f}" for mix in MIXES))
    return "\n".join([*lines, "", false_alert_report(results)])


def false_alert_report(results: dict[str, dict[str, MixResult]], mix: str = "both") -> str:
    """Per org, and per detection within it: attacks caught, alerts raised, false alerts (raised,
    catching no attack) and false alerts a day per 100 people; then each detection's share of
    all the orgs' false alerts."""
    everything = total(results, mix)
    # compiled Sigma rules' names run long
    name_width = max([36] + [len(name) + 2 for name in everything.raised_by_detection])
    header = f"  {'detection':<{name_width}}{'raised':>8}{'false':>8}{'false/day/100 users':>21}{'attacks caught':>16}"

    def row(label: str, result: MixResult, raised: int, false: int, caught: str) -> str:
        return (f"  {label:<{name_width}}{raised:>8}{false:>8}{result.per_day_per_100_users(false):>21.2f}"
                f"{caught:>16}")

    lines = [f"false alerts ({mix}): raised alerts that catch no attack, a day per 100 people of the org "
             "(all orgs: per 100 user-days of them all)"]
    width = max(len(org) for org in [*results, "all orgs"]) + 2
    lines.append(f"  {'org':<{width}}{'users':>7}{'days':>6}{'recall':>8}{'raised':>8}{'false':>8}"
                 f"{'false/day/100 users':>21}")
    for org, result in [*((org, by_mix[mix]) for org, by_mix in results.items()), ("all orgs", everything)]:
        lines.append(f"  {org:<{width}}{result.users:>7}{result.days:>6}{result.recall:>8.0%}{result.raised:>8}"
                     f"{result.false_alerts:>8}{result.false_alerts_per_day_per_100_users:>21.2f}")
    for org, by_mix in [*results.items(), ("all orgs", {mix: everything})]:
        result = by_mix[mix]
        attacks, caught = sum(result.attacks.values()), sum(result.caught.values())
        people = (f"{result.user_days:,} user-days" if org == "all orgs"
                  else f"{result.users:,} users, {result.days} days")
        lines += [f"{org} ({people}): caught {caught} of {attacks} attacks ({result.recall:.0%}), "
                  f"{result.raised} alerts, {result.false_alerts} false", header]
        false_by_detection = result.false_by_detection
        for detection in sorted(result.raised_by_detection):
            lines.append(row(detection, result, result.raised_by_detection[detection], false_by_detection[detection],
                             str(result.caught_by_detection.get(detection, 0))))
        lines.append(row("all detections", result, result.raised, result.false_alerts, f"{caught}/{attacks}"))
        if result.held_back:
            lines.append("  missed attacks a held-back signal touched (what the guards and suppressions cost): "
                         + ", ".join(f"{verdict} {count}" for verdict, count in sorted(result.held_back.items())))
    lines += [f"share of the {everything.false_alerts} false alerts of all orgs, by detection",
              f"  {'detection':<{name_width}}{'false':>8}{'share':>8}{'false/day/100 users':>21}"]
    for detection, false in sorted(everything.false_by_detection.items(), key=lambda item: (-item[1], item[0])):
        share = false / everything.false_alerts if everything.false_alerts else float("nan")
        lines.append(f"  {detection:<{name_width}}{false:>8}{share:>8.0%}"
                     f"{everything.per_day_per_100_users(false):>21.2f}")
    return "\n".join(lines)


def write_json(results: dict[str, dict[str, MixResult]], path: Path) -> None:
    def document_of(result: MixResult) -> dict:
        return {**asdict(result), "recall": result.recall, "precision": result.precision,
                "alerts_per_day": result.alerts_per_day, "false_alerts": result.false_alerts,
                "false_alerts_per_day_per_100_users": result.false_alerts_per_day_per_100_users,
                "false_by_detection": result.false_by_detection,
                "false_per_day_per_100_users_by_detection": {
                    detection: result.per_day_per_100_users(false)
                    for detection, false in result.false_by_detection.items()}}

    document = {org: {mix: document_of(result) for mix, result in by_mix.items()} for org, by_mix in results.items()}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
