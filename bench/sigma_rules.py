"""What 100 compiled Sigma rules cost the scheduled build (`make bench BENCH=sigma`).

In a scratch folder (.make/bench/sigma_<days>d): the demo's landing zone, built
as `make demo` builds it with the project as it is. Its warehouse is then
copied, and one more hour of files lands (landing_incremental's next hour).
The scheduled `dbt build` runs twice on the same state: on the original with
the project as it is, and on the copy with a copy of the project into which
100 generated rules (96 rules over CloudTrail, Okta, Entra, Windows and sshd
fields, 4 event_count correlations) are compiled by `secfeat sigma compile`.
Then each again with nothing new. Prints `signals` (where the rules run) and
the whole build's wall time, with against without.

Figures, not a timed test: read the ratios, side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

from detections_incremental import DetectionsSize
from landing_incremental import END, NEXT_HOUR_EVENTS, NEXT_HOUR_SEED, ROOT, SCRATCH, Failed, ratio, simulate, table

from secfeat.generate_yaml import DETECTION_MODELS_MACRO, detection_models
from secfeat.sigma.compiler import compile_rules

PROJECT_FILES = ("models", "macros", "seeds", "snapshots", "analyses", "python_models", "profiles", "tests",
                 "dbt_project.yml", "selectors.yml", ".dbtignore")
CLOUDTRAIL_SERVICES = ["iam", "sts", "s3", "ec2", "kms", "lambda", "cloudtrail", "guardduty"]
CLOUDTRAIL_VERBS = ["Create", "Delete", "Put", "Update", "Attach"]
OKTA_PREFIXES = ["user.session.", "user.authentication.", "user.mfa.", "policy.", "application.", "group."]
WINDOWS_EVENTS = [4624, 4625, 4672, 4688, 4720, 4732, 4768, 4769, 1102, 4698]


def _rule(name: str, logsource: str, detection: str, level: str = "low") -> str:
    return (f"title: bench rule {name}\nname: {name}\nid: {_uuid(name)}\nauthor: secfeat bench\nstatus: test\n"
            f"logsource: {logsource}\ndetection:\n{detection}\nlevel: {level}\n")


def _uuid(name: str) -> str:
    import hashlib
    digest = hashlib.md5(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def bench_rules() -> dict[str, str]:
    """100 rules the project writes for the bench: file name -> Sigma YAML."""
    rules = {}
    cloudtrail = "{product: aws, service: cloudtrail}"
    for i in range(40):
        service, verb = CLOUDTRAIL_SERVICES[i % 8], CLOUDTRAIL_VERBS[i % 5]
        rules[f"ct_{i}.yml"] = _rule(f"bench_ct_{i}", cloudtrail, (
            f"    selection:\n        eventSource: {service}.amazonaws.com\n        eventName|startswith: {verb}\n"
            f"    filter:\n        userAgent|contains: 'terraform-{i}'\n    condition: selection and not filter"))
    for i in range(20):
        rules[f"okta_{i}.yml"] = _rule(f"bench_okta_{i}", "{product: okta, service: okta}", (
            f"    selection:\n        eventType|startswith: {OKTA_PREFIXES[i % 6]}\n"
            f"        outcome.result: {['FAILURE', 'DENY', 'CHALLENGE', 'SUCCESS'][i % 4]}\n"
            f"        client.ipAddress|cidr: 10.{i}.0.0/16\n    condition: selection"))
    for i in range(10):
        rules[f"entra_{i}.yml"] = _rule(f"bench_entra_{i}", "{product: azure, service: signinlogs}", (
            f"    selection:\n        ResultType: {50053 + i}\n        AppDisplayName|contains: 'app{i}'\n"
            "    condition: selection"))
    for i in range(21):
        rules[f"win_{i}.yml"] = _rule(f"bench_win_{i}", "{product: windows, service: security}", (
            f"    selection:\n        EventID: {WINDOWS_EVENTS[i % 10]}\n"
            f"        TargetUserName|re: '^(adm|svc)_{i}[0-9]*$'\n    condition: selection"))
    for i in range(5):
        rules[f"sshd_{i}.yml"] = _rule(f"bench_sshd_{i}", "{product: linux, service: sshd}", (
            f"    keywords:\n        - 'bench-keyword-{i}'\n        - 'Invalid user adm{i}'\n    condition: keywords"))
    for i in range(4):
        base = f"bench_denied_{i}"
        rules[f"corr_{i}.yml"] = _rule(base, cloudtrail, (
            f"    selection:\n        errorCode|startswith: {['AccessDenied', 'Unauthorized', 'Client.', 'NoSuch'][i]}"
            "\n    condition: selection")) + (
            f"---\ntitle: bench correlation {i}\nname: bench_corr_{i}\nid: {_uuid(f'bench_corr_{i}')}\n"
            f"author: secfeat bench\ncorrelation:\n    type: event_count\n    rules: [{base}]\n"
            f"    group-by: [userIdentity.arn]\n    timespan: {5 * (i + 1)}m\n    condition: {{gte: {5 + i}}}\n"
            "level: medium\n")
    return rules


class ProjectCopy(DetectionsSize):
    """The same warehouse folder's copy, built by a copy of the project."""

    def __init__(self, base: DetectionsSize, project: Path, warehouse: Path) -> None:
        super().__init__(base.days, base.events_per_day, base.threads)
        self.dir, self.landing, self.vars = base.dir, base.landing, base.vars
        self.warehouse, self.project = warehouse, project
        self.target, self.logs = base.dir / "target_with_rules", base.dir / "logs_with_rules"

    def dbt(self, command: str, label: str, *extra: str):
        return super().dbt(command, label, "--project-dir", str(self.project),
                           "--profiles-dir", str(self.project / "profiles"), *extra)


def copy_project_with_rules(into: Path, rules_dir: Path) -> int:
    shutil.rmtree(into, ignore_errors=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("python", "fixtures", "__pycache__"))
        elif source.exists():
            shutil.copy(source, into / name)
    shutil.rmtree(rules_dir, ignore_errors=True)
    rules_dir.mkdir(parents=True)
    for name, text in bench_rules().items():
        (rules_dir / name).write_text(text)
    report = compile_rules([ROOT / "sigma_rules", rules_dir], into / "models/detections/sigma")
    (into / DETECTION_MODELS_MACRO).write_text(detection_models(into))
    return len([outcome for outcome in report.compiled if "bench" in outcome.rule_id or "bench" in outcome.title])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7, help="days of history (default: the demo week)")
    parser.add_argument("--events-per-day", type=int, default=50_000)
    parser.add_argument("--threads", type=int, help="dbt threads (default: the profile's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    without = DetectionsSize(args.days, args.events_per_day, args.threads)
    without.dir = SCRATCH / f"sigma_{args.days}d"
    without.landing, without.warehouse = without.dir / "landing", without.dir / "secfeat.duckdb"
    without.target, without.logs = without.dir / "target", without.dir / "logs"
    without.vars = (f"{{landing_dir: '{without.landing}', mlflow_tracking_dir: '{without.dir / 'mlruns'}', "
                    f"as_of: '{END} 00:00:00'}}")
    next_hour = SCRATCH / "next_hour" / "landing"
    try:
        compiled = copy_project_with_rules(without.dir / "project_with_rules", without.dir / "bench_rules")
        if compiled != 100:
            raise Failed(f"{compiled} bench rules compiled, not 100: see {without.dir}/project_with_rules/"
                         "models/detections/sigma/COMPILE_REPORT.md")
        SCRATCH.joinpath("next_hour").mkdir(parents=True, exist_ok=True)
        simulate(1, NEXT_HOUR_EVENTS, NEXT_HOUR_SEED, END + timedelta(days=1), next_hour,
                 SCRATCH / "next_hour" / "simulate.log")
        print(f"-- {without.name}: simulating, then the demo flow (build, train, promote, score)", flush=True)
        without.simulate()
        without.demo_flow()
        copy = without.dir / "with_rules.duckdb"
        shutil.copyfile(without.warehouse, copy)
        with_rules = ProjectCopy(without, without.dir / "project_with_rules", copy)
        without.land_next_hour(next_hour)
        print(f"-- {without.name}: one more hour landed; the scheduled build without and with 100 rules",
              flush=True)
        runs = {"hour, without": without.dbt("build", "hour_without"),
                "hour, 100 rules": with_rules.dbt("build", "hour_with"),
                "nothing new, without": without.dbt("build", "noop_without"),
                "nothing new, 100 rules": with_rules.dbt("build", "noop_with")}
    except Failed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    (without.dir / "bench.json").write_text(json.dumps(runs, indent=2))
    rows = [[label, f"{wall:.1f}", f"{times.get('signals', float('nan')):.2f}"]
            for label, (wall, times, _) in runs.items()]
    print()
    print(f"The scheduled build, {without.name}: without and with 100 compiled Sigma rules")
    print(table(rows, ["build", "dbt wall s", "signals s"]))
    for case in ("hour", "nothing new"):
        plain, ruled = runs[f"{case}, without"], runs[f"{case}, 100 rules"]
        print(f"{case}: wall with / without {ratio(ruled[0], plain[0])}; "
              f"signals with / without {ratio(ruled[1]['signals'], plain[1]['signals'])}")
    print(f"(bench: {time.perf_counter() - started:.0f}s; figures in {without.dir.relative_to(SCRATCH.parent.parent)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
