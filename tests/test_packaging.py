"""The built wheel carries the bundled scenario, models and data and works without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import ROOT


def test_wheel_carries_bundled_data_and_runs_alone(tmp_path: Path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("herverdeling-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("herverdeling/_bundled/scenarios/nl-2025/scenario.yaml",
                   "herverdeling/_bundled/scenarios/nl-2025/municipalities.csv",
                   "herverdeling/_bundled/models/norms/coa-2024.yaml",
                   "herverdeling/_bundled/data/boundaries/gemeente_2024.topojson",
                   "herverdeling/_bundled/data/bench/pmedcap/pmedcap1-01.txt"):
        assert needed in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import herverdeling, json;"
            "from herverdeling.resources import bundled_dir;"
            "from herverdeling.scenario.io import load_scenario;"
            "s = load_scenario('nl-2025');"
            "from herverdeling.bench.suite import default_pmedcap_dir;"
            "print(json.dumps([herverdeling.__file__, str(bundled_dir('scenarios')),"
            " len(s.municipalities), str(default_pmedcap_dir()),"
            " (bundled_dir('data') / 'boundaries' / 'gemeente_2024.topojson').is_file()]))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    import json

    module_file, scen_dir, count, pmedcap_dir, boundaries = json.loads(run.stdout)
    assert module_file.startswith(str(site))
    assert scen_dir.startswith(str(site))
    assert count == 342
    assert pmedcap_dir.startswith(str(site))  # the installed bench suite finds its instances
    assert boundaries
