"""Cell values: parsing what clients write and rendering what they read.

A stored cell is a ``CellData`` dict as the API defines it (``userEnteredValue``,
``effectiveValue``, ``userEnteredFormat``, ``note``, ...). This module turns written values
into cells and cells into the three read renderings:

* ``valueInputOption``: ``RAW`` stores strings as strings; ``USER_ENTERED`` parses what a
  person typing into the UI would get: numbers (``2,000,000.01`` gets a ``#,##0.00`` format),
  percentages, currency, dates and times (stored as serial numbers with a date format),
  booleans, a leading ``'`` forcing text, and a leading ``=`` making a formula.
* Formulas are stored as formulas. The stand-in evaluates only constant arithmetic
  (``=1+1``, ``= 1 / 1024``); any other formula has no effective value, so it reads back
  empty as ``FORMATTED_VALUE``/``UNFORMATTED_VALUE`` and as its text with ``FORMULA``.
* ``valueRenderOption`` and ``dateTimeRenderOption`` are applied by :func:`render`.

Usage::

    cell = cell_from_input("12.5%", user_entered=True)
    render(cell, "FORMATTED_VALUE")      # '12.50%'
    render(cell, "UNFORMATTED_VALUE")    # 0.125
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from typing import Any

JsonDict = dict[str, Any]

MAX_CELL_CHARS = 50_000
EPOCH = dt.datetime(1899, 12, 30)  # serial day 0, Lotus 1-2-3 style, as the API documents

_NUMBER_RE = re.compile(
    r"^(?P<sign>[+-]?)(?P<cur>\$?)(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?P<frac>\.\d+)?"
    r"(?P<exp>[eE][+-]?\d+)?(?P<pct>%?)$"
)
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?$")


# ------------------------------------------------------------------------------ input
def extended_from_raw(value: Any) -> JsonDict | None:
    """RAW input: JSON types map straight onto ExtendedValue; ``""`` clears the cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    return {"stringValue": str(value)}


def parse_user_entered(value: Any) -> tuple[JsonDict | None, JsonDict | None]:
    """USER_ENTERED input → (ExtendedValue, numberFormat the UI would apply, if any)."""
    if not isinstance(value, str):
        return extended_from_raw(value), None
    text = value
    if text == "":
        return None, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    number = _parse_number(stripped)
    if number is not None:
        return number
    when = _parse_datetime(stripped)
    if when is not None:
        return when
    return {"stringValue": text}, None


def _parse_number(text: str) -> tuple[JsonDict, JsonDict | None] | None:
    found = _NUMBER_RE.match(text)
    if not found or not (found["int"] or found["frac"]):
        return None
    digits = found["int"].replace(",", "") + (found["frac"] or "") + (found["exp"] or "")
    number = float(digits)
    if found["sign"] == "-":
        number = -number
    decimals = len(found["frac"]) - 1 if found["frac"] else 0
    places = "." + "0" * decimals if decimals else ""
    fmt: JsonDict | None = None
    if found["pct"]:
        number /= 100
        fmt = {"type": "PERCENT", "pattern": "0" + (".00" if decimals else "") + "%"}
    elif found["cur"]:
        fmt = {"type": "CURRENCY", "pattern": '"$"#,##0' + (".00" if decimals else "")}
    elif found["exp"]:
        fmt = {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    elif "," in found["int"]:
        fmt = {"type": "NUMBER", "pattern": "#,##0" + places}
    return {"numberValue": _tidy(number)}, fmt


def _parse_datetime(text: str) -> tuple[JsonDict, JsonDict] | None:
    for regex, order, pattern in (
        (_ISO_DATE_RE, (0, 1, 2), "yyyy-mm-dd"),
        (_US_DATE_RE, (2, 0, 1), "m/d/yyyy"),
    ):
        found = regex.match(text)
        if found:
            parts = found.groups()
            try:
                year, month, day = (int(parts[i]) for i in order)
                when = dt.datetime(year, month, day, int(parts[3] or 0), int(parts[4] or 0),
                                   int(parts[5] or 0))
            except ValueError:
                return None
            if parts[3] is not None:
                return ({"numberValue": _tidy(to_serial(when))},
                        {"type": "DATE_TIME", "pattern": pattern + " h:mm:ss"})
            return {"numberValue": _tidy(to_serial(when))}, {"type": "DATE", "pattern": pattern}
    found = _TIME_RE.match(text)
    if found:
        hour, minute, second, half = found.groups()
        h = int(hour)
        if half:
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if half.lower() == "pm" else 0)
        if h > 23 or int(minute) > 59 or int(second or 0) > 59:
            return None
        serial = (h * 3600 + int(minute) * 60 + int(second or 0)) / 86400
        pattern = "h:mm" + (":ss" if second else "") + (" am/pm" if half else "")
        return {"numberValue": _tidy(serial)}, {"type": "TIME", "pattern": pattern}
    return None


def to_serial(when: dt.datetime) -> float:
    return (when - EPOCH).total_seconds() / 86400


def from_serial(serial: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=round(serial * 86400))


def _tidy(number: float) -> float | int:
    """JSON numbers as Google prints them: ``2`` rather than ``2.0``."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


# --------------------------------------------------------------------------- formulas
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}


def evaluate(formula: str) -> JsonDict | None:
    """The effective value of a formula, for constant arithmetic only (else None)."""
    expression = formula[1:].strip().replace("^", "**")
    if not re.fullmatch(r"[\d\s.+\-*/()]+", expression):
        return None
    try:
        tree = ast.parse(expression, mode="eval")
        result = _arith(tree.body)
    except (SyntaxError, ValueError, OverflowError):
        return None
    except ZeroDivisionError:
        return {"errorValue": {"type": "DIVIDE_BY_ZERO", "message": "Function DIVIDE parameter 2 "
                               "cannot be zero."}}
    return {"numberValue": _tidy(float(result))}


def _arith(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise ValueError("not arithmetic")


def effective_of(user_entered: JsonDict | None) -> JsonDict | None:
    if not user_entered:
        return None
    if "formulaValue" in user_entered:
        return evaluate(user_entered["formulaValue"])
    return dict(user_entered)


def make_cell(user_entered: JsonDict | None, number_format: JsonDict | None,
              previous: JsonDict | None = None) -> JsonDict | None:
    """A cell holding ``user_entered``, keeping the previous cell's format and note."""
    cell: JsonDict = {k: v for k, v in (previous or {}).items()
                      if k not in ("userEnteredValue", "effectiveValue", "formattedValue")}
    if user_entered is not None:
        cell["userEnteredValue"] = user_entered
        effective = effective_of(user_entered)
        if effective is not None:
            cell["effectiveValue"] = effective
    if number_format is not None:
        cell.setdefault("userEnteredFormat", {})["numberFormat"] = number_format
    return cell or None


def cell_from_input(value: Any, user_entered: bool, previous: JsonDict | None = None
                    ) -> JsonDict | None:
    if user_entered:
        extended, fmt = parse_user_entered(value)
    else:
        extended, fmt = extended_from_raw(value), None
    return make_cell(extended, fmt, previous)


def cell_text_length(cell: JsonDict | None) -> int:
    value = (cell or {}).get("userEnteredValue") or {}
    text = value.get("stringValue") or value.get("formulaValue") or ""
    return len(text)


# ----------------------------------------------------------------------------- output
def _is_datetime(fmt: JsonDict | None) -> bool:
    if not fmt:
        return False
    return fmt.get("type") in ("DATE", "TIME", "DATE_TIME")


def render(cell: JsonDict | None, value_render: str = "FORMATTED_VALUE",
           date_render: str = "SERIAL_NUMBER") -> Any:
    """A cell as ``values.get`` shows it; ``""`` for an empty cell."""
    if not cell:
        return ""
    entered = cell.get("userEnteredValue")
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat")
    if value_render == "FORMULA":
        if entered and "formulaValue" in entered:
            return entered["formulaValue"]
        return _plain(entered)
    effective = cell.get("effectiveValue")
    if effective is None:
        return ""
    if value_render == "UNFORMATTED_VALUE":
        if "numberValue" in effective and _is_datetime(fmt) and date_render == "FORMATTED_STRING":
            return format_value(effective, fmt)
        return _plain(effective)
    return format_value(effective, fmt)


def _plain(value: JsonDict | None) -> Any:
    if not value:
        return ""
    if "numberValue" in value:
        return _tidy(float(value["numberValue"]))
    if "boolValue" in value:
        return value["boolValue"]
    if "errorValue" in value:
        return "#DIV/0!" if value["errorValue"].get("type") == "DIVIDE_BY_ZERO" else "#ERROR!"
    return value.get("stringValue", value.get("formulaValue", ""))


def format_value(value: JsonDict, fmt: JsonDict | None) -> str:
    """The formatted string of an ExtendedValue under a NumberFormat."""
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "errorValue" in value:
        return str(_plain(value))
    number = float(value.get("numberValue", 0))
    pattern = (fmt or {}).get("pattern")
    kind = (fmt or {}).get("type")
    if not pattern:
        if kind == "DATE":
            pattern = "m/d/yyyy"
        elif kind == "TIME":
            pattern = "h:mm:ss am/pm"
        elif kind == "DATE_TIME":
            pattern = "m/d/yyyy h:mm:ss"
        elif kind == "PERCENT":
            pattern = "0.00%"
        else:
            return general(number)
    return apply_pattern(number, pattern)


def general(number: float) -> str:
    """Sheets' "Automatic" rendering of a number."""
    if number == 0:
        return "0"
    if abs(number) >= 1e15 or abs(number) < 1e-10:
        mantissa, exponent = f"{number:.2E}".split("E")
        return f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"
    if float(number).is_integer():
        return str(int(number))
    text = f"{number:.15g}"
    if "e" in text:
        text = f"{number:.10f}"
    if "." in text:
        whole, frac = text.split(".")
        # Sheets shows at most 10 significant digits before rounding kicks in for display.
        frac = frac[: max(0, 10 - len(whole.lstrip("-0")))] if whole.lstrip("-0") else frac[:10]
        text = f"{whole}.{frac}".rstrip("0").rstrip(".")
    return text


_DATE_TOKEN_RE = re.compile(
    r'"[^"]*"|\\.|yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|.', re.IGNORECASE
)


def apply_pattern(number: float, pattern: str) -> str:
    sections = pattern.split(";")
    section = sections[0]
    if number < 0 and len(sections) > 1:
        section, number = sections[1], -number
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section).lower()
    if re.search(r"[ydhs]", bare) or (re.search(r"m", bare) and not re.search(r"[0#]", bare)):
        return _apply_date(number, section)
    return _apply_number(number, section)


def _apply_date(number: float, pattern: str) -> str:
    when = from_serial(number)
    tokens = _DATE_TOKEN_RE.findall(pattern)
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out = []
    for i, token in enumerate(tokens):
        low = token.lower()
        prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip() and t not in ":/- "),
                    "")
        nxt = next((t.lower() for t in tokens[i + 1:] if t.strip() and t not in ":/- "), "")
        minute = low in ("m", "mm") and (prev.startswith("h") or nxt.startswith("s"))
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif low == "yyyy":
            out.append(f"{when.year:04d}")
        elif low == "yy":
            out.append(f"{when.year % 100:02d}")
        elif low == "mmmm":
            out.append(when.strftime("%B"))
        elif low == "mmm":
            out.append(when.strftime("%b"))
        elif low in ("mm", "m"):
            value = when.minute if minute else when.month
            out.append(f"{value:02d}" if low == "mm" else str(value))
        elif low == "dddd":
            out.append(when.strftime("%A"))
        elif low == "ddd":
            out.append(when.strftime("%a"))
        elif low in ("dd", "d"):
            out.append(f"{when.day:02d}" if low == "dd" else str(when.day))
        elif low in ("hh", "h"):
            hour = when.hour % 12 or 12 if twelve else when.hour
            out.append(f"{hour:02d}" if low == "hh" else str(hour))
        elif low in ("ss", "s"):
            out.append(f"{when.second:02d}" if low == "ss" else str(when.second))
        elif low in ("am/pm", "a/p"):
            out.append("AM" if when.hour < 12 else "PM")
        else:
            out.append(token)
    return "".join(out)


def _apply_number(number: float, pattern: str) -> str:
    literal_prefix, core, literal_suffix = _split_number_pattern(pattern)
    percent = "%" in core
    if percent:
        number *= 100
    core = core.replace("%", "")
    scientific = re.search(r"E[+-]", core, re.IGNORECASE)
    int_part, _, frac_part = core.partition(".")
    decimals = len(re.findall(r"[0#?]", frac_part.split("E")[0].split("e")[0]))
    if scientific:
        text = f"{abs(number):.{decimals}E}"
        mantissa, exponent = text.split("E")
        body = f"{mantissa}E{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent)):02d}"
    else:
        rounded = round(abs(number), decimals)
        body = f"{rounded:,.{decimals}f}" if "," in int_part else f"{rounded:.{decimals}f}"
        optional = len(re.findall(r"#", frac_part))
        if optional and "." in body:
            whole, frac = body.split(".")
            keep = len(frac) - optional
            frac = frac[:keep] + frac[keep:].rstrip("0")
            body = f"{whole}.{frac}" if frac else whole
        min_int = len(re.findall(r"0", int_part))
        whole = body.split(".")[0].replace(",", "")
        if min_int == 0 and whole == "0":
            body = body[1:] if body.startswith("0.") else body
        elif len(whole) < min_int:
            body = whole.zfill(min_int) + body[len(body.split(".")[0]):]
    sign = "-" if number < 0 and round(abs(number), decimals) != 0 else ""
    return f"{sign}{literal_prefix}{body}{'%' if percent else ''}{literal_suffix}"


def _split_number_pattern(pattern: str) -> tuple[str, str, str]:
    """Separate literal text (``"$"``, ``\\€``, ``[$€]``) around the numeric core."""
    tokens = re.findall(r'"[^"]*"|\\.|\[\$[^\]]*\]|\[[^\]]*\]|[0#?.,%Ee+\-]+|.', pattern)
    prefix: list[str] = []
    core: list[str] = []
    suffix: list[str] = []
    for token in tokens:
        if token.startswith('"'):
            text = token[1:-1]
        elif token.startswith("\\"):
            text = token[1:]
        elif token.startswith("[$"):
            text = token[2:-1].split("-")[0]
        elif token.startswith("["):
            text = ""
        elif (re.fullmatch(r"[0#?.,%Ee+\-]+", token) and re.search(r"[0#?]", token)
              or token == "%" and core):
            core.append(token)
            continue
        else:
            text = token
        (suffix if core else prefix).append(text)
    return "".join(prefix), "".join(core), "".join(suffix)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
