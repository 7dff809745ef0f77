"""`herverdeling app`: start the explorer on 127.0.0.1.

Named explorer, not app: `herverdeling.cli.app` is the typer application.
"""

import socket
from typing import Annotated

import typer

from herverdeling.cli.common import ScenarioOpt
from herverdeling.defaults import DEFAULT_SCENARIO
from herverdeling.scenario.io import load_scenario, resolve_scenario


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether the port can be bound now: a clear message beats the server's traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def app_command(
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535,
                                      help="Port on 127.0.0.1.")] = 8765,
    register: Annotated[str | None, typer.Option(
        "--register", help="Het afsprakenregister dat de pagina toont en bijwerkt (SQLAlchemy-URL; "
                           "standaard register.sqlite in de scenariomap).")] = None,
) -> None:
    """Start de verkenner (een lokale webpagina) voor de provinciale regietafel: wat-als op de kaart."""
    from herverdeling.app.server import HOST, serve  # the web stack loads only when run
    from herverdeling.register import register_url
    from herverdeling.scenario.realisation import Realisation, scenario_realisation

    s = load_scenario(scenario)
    folder = resolve_scenario(scenario)
    url = register_url(folder, register)
    real = scenario_realisation(folder, s) if folder.is_dir() else Realisation()
    if not port_free(port, HOST):
        typer.echo(f"error: poort {port} op {HOST} is al in gebruik; kies een andere met --port", err=True)
        raise typer.Exit(code=2)
    typer.echo(f"verkenner voor scenario {s.name}: http://{HOST}:{port}/  (Ctrl+C stopt hem)")
    serve(s, port, register_url=url, realisation=real)
