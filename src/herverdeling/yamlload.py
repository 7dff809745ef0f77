"""Safe YAML with limits: nothing is executed, nothing explodes, nothing is silently overwritten.

`yaml.safe_load` already refuses code, but it accepts a billion-laughs file (aliases that expand
to 10^9 nodes), a duplicate key (the last one silently wins), `2025-02-30` (a ValueError, not a
YAML error) and numbers such as `1_500`, `0x10` or `.inf`. The loader here counts aliases, nodes
(with every alias expanded) and depth while composing, and refuses each of those with the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from herverdeling.errors import SettingsError

_PLAIN_INT = re.compile(r"[-+]?[0-9]+", re.ASCII)
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)
_MERGE = "tag:yaml.org,2002:merge"


class YamlProblem(yaml.MarkedYAMLError):
    """A value or a limit problem at a line; `path` collects the keys around it."""

    def __init__(self, problem: str, mark: yaml.Mark | None, *, limit: bool = False) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.limit = limit
        self.path: list[str] = []


class _StrictLoader(yaml.SafeLoader):
    max_aliases = 100
    max_nodes = 100_000
    max_depth = 50

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    # ---- composing: limits ---------------------------------------------------------------------
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise YamlProblem(f"more than {self.max_aliases} aliases (yaml_max_aliases in "
                                  "models/limits/default.yaml)", self.peek_event().start_mark,
                                  limit=True)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.max_depth:
            raise YamlProblem(f"nested more than {self.max_depth} levels deep (yaml_max_depth in "
                              "models/limits/default.yaml)", self.peek_event().start_mark, limit=True)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        assert node is not None  # compose_node returns None only at the end of the stream
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes.get(id(c), 1) for c in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        self._sizes[id(node)] = size
        if size > self.max_nodes:
            raise YamlProblem(f"more than {self.max_nodes} nodes with aliases expanded "
                              "(yaml_max_nodes in models/limits/default.yaml)", node.start_mark,
                              limit=True)
        return node

    # ---- constructing: duplicate keys, plain numbers, real dates ------------------------------
    def construct_document(self, node: Any) -> Any:
        # deep: every value is built inside its mapping, so an error knows its key (depth is bounded)
        data = self.construct_object(node, deep=True)
        self.constructed_objects, self.recursive_objects = {}, {}
        return data

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep)
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                exc = YamlProblem(f"duplicate key {key!r} (first on line {seen[key]}): remove one; "
                                  "YAML would silently keep the last", key_node.start_mark)
                exc.path.append(str(key))
                raise exc
            seen[key] = key_node.start_mark.line + 1
        self.flatten_mapping(node)
        mapping: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise YamlProblem("a key must be a plain value", key_node.start_mark) from None
            try:
                mapping[key] = self.construct_object(value_node, deep=deep)
            except YamlProblem as exc:
                exc.path.insert(0, str(key))
                raise
        return mapping

    def construct_sequence(self, node: Any, deep: bool = False) -> list:
        out = []
        for i, child in enumerate(node.value):
            try:
                out.append(self.construct_object(child, deep=deep))
            except YamlProblem as exc:
                exc.path.insert(0, f"[{i}]")
                raise
        return out

    def construct_yaml_int(self, node: Any) -> int:
        text = self.construct_scalar(node)
        if not _PLAIN_INT.fullmatch(text):
            raise YamlProblem(f"{text!r} is not a plain whole number: write digits only (no '_', "
                              "':', 0x or 0o)", node.start_mark)
        return int(text)

    def construct_yaml_float(self, node: Any) -> float:
        text = self.construct_scalar(node)
        if not _PLAIN_FLOAT.fullmatch(text):
            raise YamlProblem(f"{text!r} is not a plain finite number: write digits with a "
                              "decimal point (no '_', .inf or .nan)", node.start_mark)
        return float(text)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise YamlProblem(f"not a valid date {node.value!r}: {exc}", node.start_mark) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)
def _sequence(loader: _StrictLoader, node: Any) -> Any:
    return loader.construct_sequence(node)


def _mapping(loader: _StrictLoader, node: Any) -> Any:
    return loader.construct_mapping(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _sequence)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def _path(parts: list[str]) -> str | None:
    return "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".") or None


def load_yaml_text(text: str, *, file: str | Path, max_bytes: int, max_aliases: int, max_nodes: int,
                   max_depth: int = 50) -> object:
    """Parse one YAML document under the limits; every problem is a SettingsError with the line."""
    if len(text.encode("utf-8")) > max_bytes:
        raise SettingsError(f"file too large: more than {max_bytes} bytes (yaml_max_bytes in "
                            "models/limits/default.yaml)", file=file)
    loader = _StrictLoader(text)
    loader.max_aliases, loader.max_nodes, loader.max_depth = max_aliases, max_nodes, max_depth
    try:
        return loader.get_single_data()
    except YamlProblem as exc:
        row = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        prefix = "YAML limit: " if exc.limit else ""
        raise SettingsError(f"{prefix}{exc.problem}", file=file, row=row, field=_path(exc.path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise SettingsError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=file,
                            row=row) from None
    except RecursionError:  # defence in depth: the depth limit should have stopped it
        raise SettingsError("YAML limit: nested too deeply", file=file) from None
    finally:
        loader.dispose()
