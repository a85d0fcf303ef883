"""Drive's search language (the ``q`` parameter of ``files.list``), parsed and evaluated.

Supported: ``'<id>' in parents`` (or ``parents in '<id>'``),
``'<email>' in owners|writers|readers``; ``name``,
``mimeType``, ``fullText`` with ``=``, ``!=`` and ``contains``; ``modifiedTime`` and
``createdTime`` with ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``; ``trashed`` and ``starred``
with ``=``/``!=`` ``true|false``; combined with ``and``, ``or``, ``not`` and parentheses.
Strings take single or double quotes with ``\\'`` escapes. Anything else raises
:class:`QueryError`, which the handler turns into Drive's ``400 Invalid Value``.

Usage::

    match = compile_query("'abc' in parents and name contains 'Report' and trashed = false")
    match(file_resource)      # True / False
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN_RE = re.compile(
    r"""\s*(?:(?P<string>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")|(?P<op>!=|<=|>=|=|<|>)|"""
    r"""(?P<paren>[()])|(?P<word>[A-Za-z_][\w.]*))"""
)


class QueryError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN_RE.match(text, pos)
        if not found or found.end() == pos:
            raise QueryError(text[pos:])
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = found.end()
    return out


def _time(value: str) -> dt.datetime:
    text = value.replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(value) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("unexpected end of query")
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()}")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda f: any(p(f) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda f: all(p(f) for p in parts))

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda f: not inner(f)
        token = self.peek()
        if token == ("paren", "("):
            self.take()
            inner = self.disjunction()
            if self.take() != ("paren", ")"):
                raise QueryError("missing )")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, value = self.take()
        if kind == "string":
            if not self.keyword("in"):
                raise QueryError("expected 'in'")
            field = self.take()[1]
            return _membership(value, field)
        if kind != "word":
            raise QueryError(value)
        field = value
        if self.keyword("in"):
            # ``parents in 'id'`` (gspread writes it this way) means ``'id' in parents``.
            operand = self.take()
            if operand[0] != "string":
                raise QueryError("in needs a string")
            return _membership(operand[1], field)
        if self.keyword("contains"):
            operand = self.take()
            if operand[0] != "string":
                raise QueryError("contains needs a string")
            return _contains(field, operand[1])
        op_kind, op = self.take()
        if op_kind != "op":
            raise QueryError(op)
        operand_kind, operand_text = self.take()
        return _compare(field, op, operand_kind, operand_text)


def _membership(value: str, field: str) -> Predicate:
    if field == "parents":
        return lambda f: value in f.get("parents", [])
    if field in ("owners", "writers", "readers"):
        roles = {"owners": {"owner"}, "writers": {"owner", "writer"},
                 "readers": {"owner", "writer", "commenter", "reader"}}[field]
        return lambda f: any(
            p.get("emailAddress", "").lower() == value.lower() and p.get("role") in roles
            for p in f.get("_permissions", []))
    raise QueryError(field)


def _contains(field: str, needle: str) -> Predicate:
    lowered = needle.lower()
    if field == "name":
        # Drive matches name prefixes of words; a substring match is a close, simple stand-in.
        return lambda f: lowered in f.get("name", "").lower()
    if field == "fullText":
        return lambda f: lowered in f.get("name", "").lower() or lowered in f.get(
            "_text", "").lower()
    if field == "mimeType":
        return lambda f: lowered in f.get("mimeType", "").lower()
    raise QueryError(field)


def _compare(field: str, op: str, operand_kind: str, operand: str) -> Predicate:
    test = _COMPARE[op]
    if field in ("name", "mimeType"):
        if operand_kind != "string" or op not in ("=", "!="):
            raise QueryError(field)
        return lambda f: test(f.get(field, ""), operand)
    if field in ("modifiedTime", "createdTime", "viewedByMeTime"):
        if operand_kind != "string":
            raise QueryError(field)
        moment = _time(operand)
        return lambda f: field in f and test(_time(f[field]), moment)
    if field in ("trashed", "starred", "sharedWithMe"):
        if operand_kind != "word" or operand.lower() not in ("true", "false") or op not in (
                "=", "!="):
            raise QueryError(field)
        wanted = operand.lower() == "true"
        return lambda f: test(bool(f.get(field, False)), wanted)
    raise QueryError(field)


def compile_query(text: str) -> Predicate:
    """Compile a ``q`` expression into a predicate over File resources."""
    if not text.strip():
        return lambda f: True
    return _Parser(_tokens(text)).parse()
