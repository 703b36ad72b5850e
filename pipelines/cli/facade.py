"""The app as a vendor's CLI plugin sees it (:class:`sources._shared.spec.AppFacade`).

A plugin in ``sources/<vendor>/`` never imports ``pipelines/``: the CLI hands it this object.
"""

from __future__ import annotations

import argparse
from typing import Any

from pipelines.run.failures import error_line
from pipelines.run.naming import latest_pipeline_name
from pipelines.webhooks.server import add_serve_arguments, secrets_from_config, serve_from_cli
from sources._shared.spec import AppFacade
from sources._shared.webhooks import WebhookProtocol


class CliApp(AppFacade):
    """Implements :class:`~sources._shared.spec.AppFacade` with the app's own functions."""

    def latest_pipeline_name(self, target_name: str, pipelines_dir: str | None = None) -> str:
        """See :func:`pipelines.run.naming.latest_pipeline_name`."""
        return latest_pipeline_name(target_name, pipelines_dir)

    def error_line(self, vendor: str, exc: BaseException) -> str:
        """See :func:`pipelines.run.failures.error_line`."""
        return error_line(vendor, exc)

    def add_webhook_arguments(self, parser: argparse.ArgumentParser, vendor: str) -> None:
        """See :func:`pipelines.webhooks.server.add_serve_arguments`."""
        add_serve_arguments(parser, vendor)

    def serve_webhooks(self, protocol: WebhookProtocol, secrets: Any, args: argparse.Namespace) -> int:
        """See :func:`pipelines.webhooks.server.serve_from_cli`."""
        return serve_from_cli(protocol, secrets_from_config(secrets), args)


APP = CliApp()
