"""`python -m sandbox`: serves all three vendor emulators until interrupted."""

from __future__ import annotations

import argparse
import signal
import threading

from sandbox import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the ByteHR, CuteHR and HollyHR emulators on loopback.")
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
