"""Running the ``casegraph`` command in-process, as several test modules do."""

from __future__ import annotations

from click.testing import CliRunner

from casegraph.cli import main


def run(*args: str) -> tuple[int, str]:
    """Exit code and everything the command printed (stdout and stderr)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def run_stdout(*args: str) -> tuple[int, str]:
    """Exit code and what the command printed on stdout only."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout
