"""`secfeat evaluate`: how the detections do on organisations they never saw.

For each org (seed, days, events per day) it simulates a landing zone, moves
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
most the daily budget a day) that catch some incident.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

MIXES = {"rules": ["rule"], "model": ["model"], "both": ["rule", "model"]}
EVALUATION_END = datetime(2026, 3, 1)  # far from the demo week and the test fixtures


@dataclass(frozen=True)
class Org:
    seed: int
    days: int
    events_per_day: int

    @classmethod
    def parse(cls, text: str) -> "Org":
        """SEED:DAYS:EVENTS_PER_DAY, e.g. 101:10:8000."""
        try:
            seed, days, events_per_day = (int(part) for part in text.split(":"))
        except ValueError:
            raise ValueError(f"org {text!r}: expected SEED:DAYS:EVENTS_PER_DAY, e.g. 101:10:8000") from None
        if days < 2 or events_per_day < 1:
            raise ValueError(f"org {text!r}: at least 2 days (attacks start on day 2) and 1 event a day")
        return cls(seed, days, events_per_day)

    @property
    def name(self) -> str:
        return f"org-{self.seed}-{self.days}d-{self.events_per_day}"


@dataclass
class MixResult:
    attacks: dict[str, int] = field(default_factory=dict)  # technique -> incidents
    caught: dict[str, int] = field(default_factory=dict)  # technique -> incidents caught
    raised: int = 0
    true_alerts: int = 0
    days: int = 0

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
                                  self.landing))
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
            result.days = self.org.days
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


def total(results: dict[str, dict[str, MixResult]], mix: str) -> MixResult:
    summed = MixResult()
    for by_mix in results.values():
        one = by_mix[mix]
        for technique, attacks in one.attacks.items():
            summed.attacks[technique] = summed.attacks.get(technique, 0) + attacks
            summed.caught[technique] = summed.caught.get(technique, 0) + one.caught[technique]
        summed.raised += one.raised
        summed.true_alerts += one.true_alerts
        summed.days += one.days
    return summed


def report(results: dict[str, dict[str, MixResult]], daily_budget: int) -> str:
    """Per technique: attacks caught by rules, the model and both; then recall, alerts a day, precision."""
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
    return "\n".join(lines)


def write_json(results: dict[str, dict[str, MixResult]], path: Path) -> None:
    document = {org: {mix: {**asdict(result), "recall": result.recall, "precision": result.precision,
                            "alerts_per_day": result.alerts_per_day} for mix, result in by_mix.items()}
                for org, by_mix in results.items()}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")

