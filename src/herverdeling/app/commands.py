"""`herverdeling app`: start the explorer on 127.0.0.1.

No `from __future__ import annotations` here: typer reads the annotations at run time.
"""

import socket
from typing import Annotated

import typer


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def register(app: typer.Typer) -> None:
    from herverdeling.cli import ScenarioOpt, fail

    @app.command(name="app")
    def app_command(
        scenario: ScenarioOpt = "nl-2025",
        port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535,
                                          help="Port on 127.0.0.1.")] = 8765,
    ) -> None:
        """Start the explorer (a local web page) for a provinciale regietafel: what-if on a map."""
        from herverdeling.app.server import HOST, serve
        from herverdeling.errors import HerverdelingError
        from herverdeling.scenario.io import load_scenario

        try:
            s = load_scenario(scenario)
        except HerverdelingError as exc:
            raise fail(exc) from None
        if not port_free(port):
            typer.echo(f"error: port {port} on {HOST} is in use; choose another with --port", err=True)
            raise typer.Exit(code=2)
        typer.echo(f"explorer for scenario {s.name}: http://{HOST}:{port}/  (Ctrl+C stops it)")
        serve(s, port)
