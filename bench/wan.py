"""The WAN scenario: what a user waits for against a real API (service time per request, documented limits).

Loopback answers in a fraction of a millisecond, so the loopback scenario measures the client's
CPU and memory. A real vendor answers in 100 ms or more and caps requests per route or token: what
a sync then costs is how well the connector overlaps requests within those limits. Each vendor's
sandbox gets a fixed service time per request and its documented limits (``Scenario.wan_sandbox_kwargs``);
ours runs one full sync (DuckDB) with its default settings. Reported per vendor:

* ``rate_floor_s``: the busiest route's requests / its sustained per-second limit (a vendor with no
  short-term limit has none);
* ``latency_floor_s``: requests x service time / the concurrency used (requests in flight at once,
  counted at the sandbox);
* ``vs_rate_floor``: elapsed / rate floor. A fixed window (HollyHR's) lets one window's budget go in a
  burst, so a sync shorter than a window or two can come in under the sustained-rate floor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bench.orchestrate import UTC, CaseRunner, Options, ratio, say
from bench.specs import Scenario, Size, scenario_class
from sandbox import Sandbox
from sandbox.core import Clock

SERVICE_S = 0.12  # per request, every route


class WanCaseRunner(CaseRunner):
    """A CaseRunner whose sandbox has a service time and the documented limits."""

    def start(self) -> float:
        import time


        started = time.perf_counter()
        kwargs = self.spec.wan_sandbox_kwargs(self.size, SERVICE_S)
        self.sandbox = Sandbox(clock=Clock(start=datetime.now(UTC)), seed=1, vendors=(self.spec.name,),
                               **{self.spec.name: kwargs}).start()
        self.app = self.sandbox.apps[self.spec.name]
        self.env = self.base_env()
        return time.perf_counter() - started

    last_entries: list[Any] = []

    def drain_log(self) -> list[Any]:
        entries = super().drain_log()
        self.last_entries = entries  # the run's requests, for the timeline
        return entries

    def timeline(self) -> dict[str, list[float]]:
        """Per resource: seconds from the run's first request to its own first and last request."""
        if not self.last_entries:
            return {}
        t0 = self.last_entries[0].at
        out: dict[str, list[float]] = {}
        for e in self.last_entries:
            at = round((e.at - t0).total_seconds(), 1)
            span = out.setdefault(self.spec.classify(e.path), [at, at])
            span[1] = at
        return out

    def base_env(self) -> dict[str, str]:
        env = super().base_env()
        for key in self.spec.env(self.size):  # the loopback scenario's overrides (pacing off, ...) do not apply
            env.pop(key, None)
        env.update(self.spec.wan_env(self.size))
        return env


def run_wan_case(spec: Scenario, size: Size, opts: Options) -> dict[str, Any]:
    """One full sync of `spec`'s vendor at `size` over the WAN-like sandbox."""
    case = WanCaseRunner(spec, size, opts, None)
    out: dict[str, Any] = {"vendor": spec.name, "size": size.label, "params": size.params,
                           "service_s": SERVICE_S, "limit": spec.rate_note}
    try:
        case.start()
        floor = spec.full_floor(case.app, size)
        say(opts, f"WAN {spec.name} {size.label}: full sync at {SERVICE_S * 1000:.0f} ms a request ...")
        run = case.run("ours", "duckdb", "full")
        if not run["ok"]:
            out["error"] = run.get("error", "failed")
            out["log"] = run.get("log", "")
            return out
        concurrency = case.app.latency.max_in_flight
        rate = spec.rate_floor(floor)
        rate_s = round(rate[0], 1) if rate else None
        latency_s = round(run["requests_total"] * SERVICE_S / max(1, concurrency), 1)
        out.update(
            seconds=run["seconds"], requests=run["requests"], requests_total=run["requests_total"],
            floor_requests=floor.total, throttled=run.get("throttled", 0), concurrency=concurrency,
            rate_floor_s=rate_s, rate_floor_route=rate[1] if rate else None, latency_floor_s=latency_s,
            vs_rate_floor=ratio(run["seconds"], rate_s), vs_latency_floor=ratio(run["seconds"], latency_s),
            rows=run["rows"], rss_mb=run["rss_mb"], loadavg_before=run["loadavg_before"],
            phases=run.get("phases", {}), timeline=case.timeline(),
        )
        say(opts, f"WAN {spec.name}: {run['seconds']:.1f} s, {run['requests_total']} requests (floor "
                  f"{floor.total}), {out['throttled']} x 429, rate floor {rate_s} s, latency floor {latency_s} s "
                  f"at concurrency {concurrency}")
    except Exception as exc:  # one broken case must not lose the others
        out["error"] = f"{type(exc).__name__}: {exc}"
        say(opts, f"WAN {spec.name}: FAILED: {out['error']}")
    finally:
        case.stop()
    return out


def evaluate_wan(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Targets of the WAN scenario: requests = floor, no 429, elapsed within the rate floor's bound."""
    out: list[dict[str, Any]] = []
    for c in cases:
        vendor = c["vendor"]
        if "seconds" not in c:
            out.append({"vendor": vendor, "target": "WAN full sync", "value": c.get("error"), "met": False,
                        "detail": ""})
            continue
        out.append({"vendor": vendor, "target": "requests = floor (WAN full sync)",
                    "value": f"{c['requests_total']}/{c['floor_requests']}",
                    "met": c["requests_total"] == c["floor_requests"], "detail": ""})
        out.append({"vendor": vendor, "target": "no 429 (WAN full sync)", "value": c["throttled"],
                    "met": c["throttled"] == 0, "detail": ""})
        bound = scenario_class(vendor).rate_target
        if bound is not None and c.get("vs_rate_floor") is not None:
            out.append({"vendor": vendor, "target": f"elapsed <= {bound}x rate floor (WAN full sync)",
                        "value": c["vs_rate_floor"], "met": c["vs_rate_floor"] <= bound, "detail": ""})
    return out


def run_wan(opts: Options, specs: list[Scenario]) -> list[dict[str, Any]]:
    """The WAN case of every vendor in `specs` that declares one."""
    cases = []
    for spec in specs:
        if spec.wan_size is None:
            continue
        # an explicit ladder (`--sizes`) sets the WAN size too (its biggest); --quick: the smoke size
        size = spec.wan_size
        if opts.sizes.get(spec.name):
            size = opts.sizes[spec.name][-1]
        elif opts.quick:
            size = Size("smoke", dict(spec.smoke))
        cases.append(run_wan_case(spec, size, opts))
    return cases

