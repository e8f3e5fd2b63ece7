"""The command line (click). It calls the same service layer as the screens."""

from triage.cli.main import cli, main

__all__ = ["cli", "main"]
