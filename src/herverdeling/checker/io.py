"""Reading a proposals JSON file: every failure becomes one ProposalInputError line, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import ValidationError

from herverdeling.errors import ProposalInputError
from herverdeling.proposals import ProposalSet


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("surplus_swap", "merger", "uitruil") and out.endswith("]"):
            continue  # the discriminator's tag adds nothing a user needs
        else:
            out += f".{part}" if out else str(part)
    return out


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings; linear, no recursion (json.loads recurses)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_proposals(text: str, *, source: str = "proposals") -> ProposalSet:
    """Parse and validate JSON text; the message names the line/column or the field path."""
    from herverdeling.limits import limits

    if not text.strip():
        raise ProposalInputError(f"{source}: the file is empty")
    max_depth = limits().json_max_depth
    if nesting_depth(text) > max_depth:
        raise ProposalInputError(f"{source}: nested more than {max_depth} levels deep "
                                 "(json_max_depth in models/limits/default.yaml); a proposals "
                                 "file nests about 6")
    try:
        data = json.loads(text)
    except RecursionError:  # defence in depth: the depth check should have stopped it
        raise ProposalInputError(f"{source}: nested too deeply to read") from None
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ProposalInputError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}"
        ) from None
    if not isinstance(data, dict):
        raise ProposalInputError(f"{source}: expected a JSON object at the top level, got "
                                 f"{type(data).__name__}")
    if "proposals" in data and "as_of" not in data and "scenario_hash" in data:
        raise ProposalInputError(
            f"{source}: this is the output of a single stage (e.g. `swaps --json` or "
            "`mergers --json`), not a proposal set; check the proposals.json that "
            "`herverdeling propose` writes")
    try:
        return ProposalSet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        where = _location(tuple(err["loc"])) or "top level"
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f", got {json.dumps(got, default=str)[:60]}"
        raise ProposalInputError(f"{source}: field {where}: {err['msg']}{shown}{more}") from None


def read_proposals(path: str | Path) -> ProposalSet:
    """Read a proposals file written by a solver (or edited by hand)."""
    from herverdeling.limits import limits

    path = Path(path)
    max_bytes = limits().json_max_bytes
    try:
        if path.stat().st_size > max_bytes:
            raise ProposalInputError(f"{path}: file too large: more than {max_bytes / 1e6:.0f} MB "
                                     "(json_max_bytes in models/limits/default.yaml)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProposalInputError(f"{path}: file not found") from None
    except OSError as exc:
        raise ProposalInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProposalInputError(f"{path}: not UTF-8 text") from None
    return parse_proposals(text, source=str(path))


def proposals_json(proposals: ProposalSet) -> str:
    """The text of a proposals.json: without the solvers' wall-clock seconds (manifest.json has
    them), so the same input and settings give the same bytes (issue 18, point 5)."""
    return proposals.model_dump_json(indent=2, exclude={"solve_info": {"__all__": {"seconds"}}}) + "\n"


def write_proposals(proposals: ProposalSet, path: str | Path) -> Path:
    """Write whole or not at all (a temporary file moved into place)."""
    from herverdeling.scenario.io import atomic_write_text

    return atomic_write_text(path, proposals_json(proposals))
