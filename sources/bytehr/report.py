"""``hr-elt quota bytehr``: the quota as the last run left it (or one cheap request sees it now), and the plan.

The plan is the walks the schedule makes until the reset, replaying the pacing decisions (``pacing.plan``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import dlt

from sources._shared.config import check_base_url, check_secret
from sources._shared.context import RunContext
from sources._shared.http.redaction import register_secret
from sources._shared.http.settings import HttpSettings
from sources._shared.spec import AppFacade, CliPlugin
from sources.bytehr import settings
from sources.bytehr.client import make_client
from sources.bytehr.pacing import (
    PacePolicy,
    cadence_caps,
    learned_runs_per_day,
    plan_from_state,
    plan_lines,
)
from sources.bytehr.quota import (
    QuotaInfo,
    QuotaLedger,
    full_run_requests,
    pages_for,
    parse_time,
    runs_that_fit,
    utc_now,
)

LIVE_PATH_PARAMS = {settings.LIMIT_PARAM: 1}


def saved_state(pipeline_name: str = settings.PROVIDER, pipelines_dir: str | None = None) -> dict[str, Any] | None:
    """The ByteHR source state of a local pipeline, or None when it never ran here."""
    from dlt.pipeline.exceptions import CannotRestorePipelineException

    try:
        pipeline = dlt.attach(pipeline_name=pipeline_name, pipelines_dir=pipelines_dir)  # type: ignore[arg-type]
    except CannotRestorePipelineException:
        return None
    sources = pipeline.state.get("sources") or {}
    state = sources.get(settings.PROVIDER)
    return dict(state) if isinstance(state, dict) else None


def live_quota(base_url: str, api_key: str, header_names: Mapping[str, str] | None = None) -> QuotaInfo:
    """Sends one request (``GET /custom-fields?limit=1``, counted by ByteHR) and reads its quota headers."""
    headers = {**settings.HEADER_NAMES, **(header_names or {})}
    key = check_secret(settings.PROVIDER, "api_key", api_key)
    register_secret(key)
    context = RunContext()
    ledger = QuotaLedger(0, headers, settings.EXPIRY_WARNING_DAYS, context=context)
    http = HttpSettings(timeout=30.0, max_attempts=3, backoff_base=1.0, backoff_cap=10.0, max_retry_after=60.0)
    client = make_client(check_base_url(settings.PROVIDER, base_url), key, "quota", http, ledger, headers, context)
    client.get(settings.ENDPOINTS["custom_field_definitions"], params=LIVE_PATH_PARAMS)
    return ledger.info


def quota_report(state: Mapping[str, Any] | None, live: QuotaInfo | None, page_size: int = settings.PAGE_SIZE,
                 reserve: int = settings.QUOTA_RESERVE, policy: PacePolicy | None = None,
                 runs_per_day: float | None = None) -> str:
    """The lines ``hr-elt quota bytehr`` prints."""
    state = state or {}
    saved = QuotaInfo.from_state(state.get("quota"))
    info = live or saved
    if live is not None:
        head = f"bytehr quota (live: one request just now, request_id {live.request_id}; it counted)"
    elif saved.remaining is not None:
        head = (f"bytehr quota (as of the last run, {saved.observed_at}; others sharing the key may have "
                f"spent more since: --live asks ByteHR)")
    else:
        return "bytehr quota: unknown: no run of the bytehr pipeline here yet; --live asks ByteHR (one request)"
    now = utc_now()
    lines = [head]
    used = info.used()
    lines.append(f"  used         {used if used is not None else '?'} of {info.limit} requests this cycle")
    above = "" if info.remaining is None else f", {max(0, info.remaining - reserve)} above the reserve of {reserve}"
    lines.append(f"  remaining    {info.remaining}{above}")
    lines.append(f"  resets at    {info.reset}{_in_days(info.reset, now)}")
    lines.append(f"  key expires  {info.expires_at}{_in_days(info.expires_at, now)}")
    resources = state.get("resources") or {}
    need, known = full_run_requests(resources, page_size)
    per = ", ".join(f"{name} {_pages(resources, name, page_size)}" for name in settings.ENDPOINTS)
    lines.append(f"  a full run   {'at least ' if not known else ''}{need} requests ({per}; "
                 f"from the last complete walks, {page_size} a page)")
    runs = runs_that_fit(info, reserve, need)
    lines.append(f"  runs left    {runs if runs is not None else '?'} full runs fit before the reset")
    lines += _plan_section(state, info, policy or PacePolicy(reserve=reserve), page_size, runs_per_day, now)
    return "\n".join(lines)


def _plan_section(state: Mapping[str, Any], info: QuotaInfo, policy: PacePolicy, page_size: int,
                  runs_per_day: float | None, now: Any) -> list[str]:
    """What the schedule does until the reset, from the pacing decisions the runs take (pacing.plan)."""
    learned = learned_runs_per_day(state.get("pace"))
    if runs_per_day is not None:
        source = f"schedule_runs_per_day {runs_per_day:g}"
    elif learned is not None:
        runs_per_day, source = learned, f"learned from the last runs: about {learned:.3g} a day"
    else:
        return ["  plan         unknown schedule: set sources.bytehr.schedule_runs_per_day, or run a few times first"]
    if runs_per_day <= 0:
        return ["  plan         no runs scheduled"]
    result = plan_from_state({**state, "quota": asdict(info)}, policy, page_size, now, runs_per_day)
    if result is None:
        return ["  plan         unknown until a run has seen the quota"]
    return [f"  schedule     {source} (quota_pacing {policy.pacing})", *plan_lines(result)]


def _pages(resources: Mapping[str, Any], name: str, page_size: int) -> str:
    last = (resources.get(name) or {}).get("last_walk") or {}
    return str(pages_for(last.get("records"), page_size) or "?")


def _in_days(value: str | None, now: Any) -> str:
    when = parse_time(value)
    if when is None:
        return ""
    days = (when - now).total_seconds() / 86400
    return f" (in {days:.1f} days)" if days >= 0 else f" ({-days:.1f} days ago)"


def run_quota_command(pipeline_name: str, pipelines_dir: str | None = None, live: bool = False) -> str:
    """What ``hr-elt quota bytehr`` prints for the pipeline `pipeline_name`; settings from ``sources.bytehr.*``."""
    state = saved_state(pipeline_name, pipelines_dir)
    page_size = int(dlt.config.get("sources.bytehr.page_size", int) or settings.PAGE_SIZE)
    reserve_setting = dlt.config.get("sources.bytehr.quota_reserve", int)
    reserve = settings.QUOTA_RESERVE if reserve_setting is None else int(reserve_setting)
    info = None
    policy = PacePolicy(
        pacing=dlt.config.get("sources.bytehr.quota_pacing", str) or "even", reserve=reserve,
        burst_runs=_number("pace_burst_runs", settings.PACE_BURST_RUNS),
        burst_share=_number("pace_burst_share", settings.PACE_BURST_SHARE),
        priority=tuple(dlt.config.get("sources.bytehr.walk_priority", list) or settings.WALK_PRIORITY),
        cadence_hours=cadence_caps(dlt.config.get("sources.bytehr.min_interval_hours", dict)),
    )
    runs_setting = dlt.config.get("sources.bytehr.schedule_runs_per_day", float)
    if live:
        base_url = dlt.config.get("sources.bytehr.base_url", str) or settings.DEFAULT_BASE_URL
        api_key = dlt.secrets.get("sources.bytehr.api_key", str)
        names = dlt.config.get("sources.bytehr.header_names", dict)
        info = live_quota(base_url, api_key or "", names)
    return quota_report(state, info, page_size, reserve, policy,
                        None if runs_setting is None else float(runs_setting))


def _number(key: str, default: float) -> float:
    value = dlt.config.get(f"sources.bytehr.{key}", float)
    return default if value is None else float(value)


def _add_quota_arguments(parser: argparse.ArgumentParser, app: AppFacade) -> None:
    parser.add_argument("vendor", choices=[settings.PROVIDER])
    parser.add_argument("--live", action="store_true", help="ask the API now (costs one request) instead of the state")
    parser.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")


def _run_quota(args: argparse.Namespace, app: AppFacade) -> int:
    try:  # one pipeline per destination: the latest run's ledger
        pipeline_name = app.latest_pipeline_name(settings.PROVIDER, args.pipelines_dir)
        print(run_quota_command(pipeline_name, args.pipelines_dir, live=args.live))
    except Exception as exc:  # e.g. a missing key or a refused request: one clear line
        print(f"hr-elt: {app.error_line(settings.PROVIDER, exc)}", file=sys.stderr)
        return 1
    return 0


CLI_PLUGIN = CliPlugin(name="quota", help="a vendor's request quota: used, remaining, reset, and the walks the "
                                                "schedule makes until the reset",
                       add_arguments=_add_quota_arguments, run=_run_quota)
