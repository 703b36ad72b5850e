"""`python -m sandbox` / `hr-elt sandbox`: serves every registered vendor's emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from typing import Any

from sandbox import Sandbox
from sources import registry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox's options, shared by ``python -m sandbox`` and ``hr-elt sandbox``."""
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data (default: 1)")
    parser.add_argument("--port", type=int, default=0, metavar="BASE",
                        help="serve the vendors on BASE, BASE+1, ... in the order listed (default: free ports)")
    parser.add_argument("--size", action="append", default=[], metavar="VENDOR.SETTING=N",
                        help="a sandbox size, e.g. hollyhr.people=500 (repeatable)")
    parser.add_argument("--withhold", action="append", default=[], metavar="VENDOR.RESOURCE.FIELD",
                        help="leave a field out of every record, as a missing permission would, e.g. "
                             "hollyhr.people.location or bytehr.employees.custom_fields.badge_number (repeatable)")
    parser.add_argument("--blank", action="append", default=[], metavar="VENDOR.RESOURCE.FIELD",
                        help="send a field as null in every record (repeatable)")


def sizes_from(pairs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``["hollyhr.people=500"]`` -> ``{"hollyhr": {"people": 500}}``.

    Raises:
        ValueError: a pair is not ``vendor.setting=integer``.
    """
    sizes: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        vendor, _, setting = key.partition(".")
        if not (vendor and setting and value.isdigit()):
            raise ValueError(f"--size {pair!r}: expected VENDOR.SETTING=N, e.g. hollyhr.people=500")
        sizes.setdefault(vendor, {})[setting] = int(value)
    return sizes


def masks_from(withhold: Sequence[str], blank: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """``--withhold``/``--blank`` values as ``(vendor, resource, field, mode)``.

    Raises:
        ValueError: a value is not ``vendor.resource.field``.
    """
    masks = []
    for mode, values in (("withhold", withhold), ("blank", blank)):
        for value in values:
            vendor, _, rest = value.partition(".")
            resource, _, field = rest.partition(".")
            if not (vendor and resource and field):
                raise ValueError(f"--{mode} {value!r}: expected VENDOR.RESOURCE.FIELD, e.g. hollyhr.people.location")
            masks.append((vendor, resource, field, mode))
    return masks


def serve(args: argparse.Namespace) -> int:
    """Starts the sandbox, prints where it listens and the env vars to use, waits for Ctrl-C."""
    try:
        masks = masks_from(args.withhold, args.blank)
        sandbox = Sandbox(seed=args.seed, **sizes_from(args.size)).start(args.port)
        for vendor, resource, field, mode in masks:
            app = sandbox.apps.get(vendor)
            if app is None:
                sandbox.stop()
                raise ValueError(f"--{mode} {vendor}.{resource}.{field}: no vendor {vendor!r}; "
                                 f"known: {', '.join(sorted(sandbox.apps))}")
            try:
                (app.withhold_field if mode == "withhold" else app.blank_field)(resource, field)
            except KeyError as exc:
                sandbox.stop()
                raise ValueError(f"--{mode} {vendor}.{resource}.{field}: {exc.args[0]}") from None
    except (TypeError, ValueError, OSError) as exc:
        print(f"hr-elt sandbox: {exc}")
        return 2
    for name, app in sandbox.apps.items():
        print(f"{name:8s} {app.base_url}")
    print("\n# export these to point hr-elt at the sandbox:")
    for key, value in sandbox.env().items():
        print(f"export {key}={value!r}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:

    titles = ", ".join(spec.title for spec in registry.specs())
    parser = argparse.ArgumentParser(description=f"Serve the vendor emulators ({titles}) on loopback.")
    add_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
