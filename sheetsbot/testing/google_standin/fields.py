"""Field masks, both kinds Google uses.

* Partial responses (the ``fields`` query parameter): ``sheets(properties(title,sheetId)),
  spreadsheetId`` or ``sheets.data.rowData.values.note`` or ``files(id,name),nextPageToken``.
  :func:`parse_selector` turns one into a tree and :func:`apply_selector` prunes a response.
* Update masks (the ``fields`` member of ``update*`` requests): ``gridProperties/rowCount,
  title`` — flat paths. :func:`mask_paths` splits one and :func:`copy_masked` applies it.

Usage::

    tree = parse_selector("kind,files(id,name)")
    apply_selector({"kind": "drive#fileList", "files": [{"id": "1", "size": "3"}]}, tree)
    # {'kind': 'drive#fileList', 'files': [{'id': '1'}]}

    copy_masked(dst, src, ["gridProperties.rowCount"])   # dst.gridProperties.rowCount = src's
"""

from __future__ import annotations

import copy
import re
from typing import Any

Selector = dict[str, "Selector"]  # an empty dict means "this whole field"


class SelectorError(ValueError):
    """A ``fields`` expression that does not parse."""


def snake_to_camel(name: str) -> str:
    # Google accepts either spelling in masks; the JSON uses lowerCamelCase.
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def camel_to_snake(name: str) -> str:
    # Error messages name proto fields, which are snake_case.
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def parse_selector(text: str) -> Selector:
    """Parse a partial-response selector into a nested dict of field names."""
    pos = 0

    def parse_list(depth: int) -> Selector:
        nonlocal pos
        tree: Selector = {}
        while True:
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = text[start:pos].strip()
            if not path:
                raise SelectorError(f"Invalid field selection {text}")
            # ``a/b`` and ``a.b`` both descend one level per component.
            parts = [snake_to_camel(p) for p in re.split(r"[./]", path)]
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            leaf = node.setdefault(parts[-1], {})
            if pos < len(text) and text[pos] == "(":
                pos += 1
                _merge(leaf, parse_list(depth + 1))
                if pos >= len(text) or text[pos] != ")":
                    raise SelectorError(f"Invalid field selection {text}")
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == ")" and depth > 0:
                return tree
            if pos >= len(text):
                if depth > 0:
                    raise SelectorError(f"Invalid field selection {text}")
                return tree
            raise SelectorError(f"Invalid field selection {text}")

    return parse_list(0)


def _merge(into: Selector, other: Selector) -> None:
    for key, sub in other.items():
        if key in into and into[key] and sub:
            _merge(into[key], sub)
        else:
            # Selecting a field whole wins over selecting part of it.
            into[key] = {} if (key in into and not into[key]) or not sub else sub


def apply_selector(value: Any, tree: Selector) -> Any:
    """Keep only the selected fields; ``*`` keeps every field at that level."""
    if not tree:
        return value
    if isinstance(value, list):
        return [apply_selector(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return value
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            pruned = apply_selector(value[key], sub)
            # Google drops objects that end up empty inside lists of messages, but keeps the
            # list entries themselves (``{"sheets": [{"properties": {}}]}`` is a real answer).
            out[key] = pruned
    return out


def selector_paths(tree: Selector, prefix: str = "") -> list[str]:
    """Flatten a selector back to dotted paths (used to validate them against a schema)."""
    paths: list[str] = []
    for key, sub in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        paths.extend(selector_paths(sub, path) if sub else [path])
    return paths


def mask_paths(mask: str) -> list[str]:
    """Split an update mask into camelCase dotted paths; ``*`` stays ``*``.

    Update masks accept the selector syntax too (``userEnteredFormat(backgroundColor,
    textFormat)``), so they are parsed as selectors and flattened.
    """
    if not mask.strip():
        return []
    return selector_paths(parse_selector(mask))


def copy_masked(dst: dict[str, Any], src: dict[str, Any], paths: list[str]) -> None:
    """Apply an update mask: each path takes ``src``'s value, or is cleared if absent there."""
    for path in paths:
        if path == "*":
            dst.clear()
            dst.update(copy.deepcopy(src))
            continue
        parts = path.split(".")
        s_node: Any = src
        for part in parts[:-1]:
            s_node = s_node.get(part, {}) if isinstance(s_node, dict) else {}
        d_node = dst
        for part in parts[:-1]:
            d_node = d_node.setdefault(part, {})
        last = parts[-1]
        if isinstance(s_node, dict) and s_node.get(last) is not None:
            d_node[last] = copy.deepcopy(s_node[last])
        else:
            d_node.pop(last, None)
