"""`python -m sandbox`: serves every registered vendor's emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import threading

from sandbox import Sandbox


def main() -> None:
    from sources import registry

    titles = ", ".join(spec.title for spec in registry.specs())
    parser = argparse.ArgumentParser(description=f"Serve the vendor emulators ({titles}) on loopback.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sandbox = Sandbox(seed=args.seed).start()
    for name, app in sandbox.apps.items():
        print(f"{name:8s} {app.base_url}")
    print("\n# export these to point hr-elt at the sandbox:")
    for key, value in sandbox.env().items():
        print(f"export {key}={value!r}")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
