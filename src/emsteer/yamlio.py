"""Bounds for the YAML files emsteer reads (question sets, study configs).

YAML aliases let a 900-byte file describe a billion nodes ("billion laughs"): safe_load builds
shared references quickly, but anything that walks the result (validation, copying) expands
them and runs out of time and memory. So a file is refused when it is larger than its reader
allows, nests too deeply (aliases expanded), refers to itself, or when its node graph, aliases
expanded, exceeds a node budget; this is checked on the composed graph, before anything is
constructed. A key given twice in one mapping is refused too: YAML readers silently keep the last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emsteer.errors import EmsteerError

MAX_EXPANDED_NODES = 1_000_000  # scalars + sequences + mappings, every alias counted where it is used
ALIAS_FACTOR = 10  # a large file without aliases may hold more nodes: allow 10x its own graph
MAX_DEPTH = 200  # nesting levels (PyYAML's composer recurses)


def check_file_size(path: Path, max_bytes: int, what: str) -> None:
    """Refuse ``path`` when it is larger than ``max_bytes`` (before reading it)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader reports a missing file in its own words
    if size > max_bytes:
        raise EmsteerError(
            f"{path}: {size:,} bytes is too large for {what} (at most {max_bytes:,}); is this the right file?"
        )


def compose_bounded(loader: yaml.BaseLoader, source: str) -> yaml.Node | None:
    """The document's node graph from ``loader``, refused when it is too deep, cyclic or, aliases
    expanded, too large. YAML syntax errors propagate as yaml.YAMLError."""
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise EmsteerError(f"{source}: the YAML nests too deeply to read (at most {MAX_DEPTH} levels).") from None
    if node is not None:
        _check_graph(node, source)
    return node


def construct(loader: yaml.BaseLoader, node: yaml.Node | None, source: str) -> Any:
    """The value of a composed document. A scalar YAML reads as a date, or an integer too long for
    Python, fails here with a plain ValueError: that becomes a clear error naming the file."""
    if node is None:
        return None
    try:
        return loader.construct_document(node)
    except (ValueError, TypeError, AttributeError, OverflowError) as err:
        line = _unreadable_line(loader, node)
        raise EmsteerError(f"{source}{f':{line}' if line else ''}: a value cannot be read ({err}); quote it to keep "
                           'it as text, e.g. id: "2024-13-45"') from None


def _unreadable_line(loader: yaml.BaseLoader, root: yaml.Node) -> int | None:
    """The 1-based line of the first scalar that cannot be read, for the error message."""
    loader.constructed_objects, loader.recursive_objects = {}, {}  # the failed construction's, half done
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except (ValueError, TypeError, AttributeError, OverflowError, yaml.YAMLError):
                return node.start_mark.line + 1
        stack.extend(reversed(_children(node)))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_graph(root: yaml.Node, source: str) -> None:
    """Expanded node count (memoised over the shared graph), depth and cycles, without recursion."""
    expanded: dict[int, int] = {}
    height: dict[int, int] = {}  # levels below and including a node, aliases expanded
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            expanded[key] = 1 + sum(expanded[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise EmsteerError(f"{source}: line {node.start_mark.line + 1}: a YAML alias refers to itself; "
                               "recursive documents are not supported.")
        if depth > MAX_DEPTH:
            raise EmsteerError(f"{source}: line {node.start_mark.line + 1}: the YAML nests more than {MAX_DEPTH} "
                               "levels deep.")
        if isinstance(node, yaml.MappingNode):
            _check_keys(node, source)
        distinct += 1
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node))
    if height[id(root)] > MAX_DEPTH:  # a shared node reached deeper through an alias than where it stands
        raise EmsteerError(f"{source}: the YAML nests more than {MAX_DEPTH} levels deep once its aliases are expanded.")
    total = expanded[id(root)]
    budget = max(MAX_EXPANDED_NODES, ALIAS_FACTOR * distinct)
    if total > budget:
        raise EmsteerError(
            f"{source}: its YAML aliases expand to {total:,} nodes (at most {budget:,}); "
            "this looks like an alias bomb, not a question set or study config."
        )


def _check_keys(node: yaml.MappingNode, source: str) -> None:
    """A plain key given twice in one mapping (by value: ``1`` and ``01``, ``on`` and ``true``) is
    an error naming both lines."""
    seen: dict[Any, int] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.value == "<<":  # merge keys may repeat
            continue
        line = k.start_mark.line + 1
        value = _key_value(k)
        if value in seen:
            raise EmsteerError(f"{source}: line {line}: the key '{k.value}' is given twice in one mapping (first on "
                               f"line {seen[value]}); YAML would keep only the last. Remove one.")
        seen[value] = line


def _key_value(k: yaml.ScalarNode) -> Any:
    """The key as YAML reads it (a scalar: cheap and safe to construct); its text where it does
    not read (the reader reports that in its own words)."""
    try:
        value = yaml.constructor.SafeConstructor().construct_object(k)
        hash(value)
    except Exception:  # an impossible date, an unhashable value: compare the text
        return ("text", k.tag, k.value)
    return (type(value).__name__ if isinstance(value, bool) else "value", value)
