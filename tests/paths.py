"""Where the repository's own files are, for tests in any folder of tests/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SRC = ROOT / "src" / "herverdeling"
