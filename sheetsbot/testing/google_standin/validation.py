"""Request validation against Google's discovery documents, plus the rules they state in prose.

Two layers, applied before any state is touched:

1. **Schema** (:class:`Validator`): every query parameter must be one the method or the API
   declares, with the declared type and enum; every body field must exist in the schema,
   with the right JSON type and enum value. Failures produce Google's wording, e.g.
   ``Invalid JSON payload received. Unknown name "foo" at 'requests[0]': Cannot find field.``
   Paths in those messages name proto fields, so they are snake_case
   (``requests[0].update_sheet_properties.properties``), as Google prints them.
2. **Prose** rules the JSON schema cannot express but the descriptions state:
   ``Required.`` fields; protobuf ``oneof`` unions that the discovery format flattens (one
   request kind per ``Request``, one value kind per ``ExtendedValue``, "only one of range or
   named_range_id may be set"); update masks that "must specify at least one field" and must
   name fields of the object they update. The union table below is the one piece written by
   hand: discovery documents do not carry oneof groups at all.

Usage::

    v = Validator(Discovery.load())
    params = v.query(method, {"valueInputOption": ["RAW"]})     # typed values, or ApiError
    v.body(method, {"requests": [...]})                          # None, or ApiError
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .discovery import Discovery, JsonDict, Method
from .errors import ApiError, FieldViolation
from .fields import SelectorError, camel_to_snake, mask_paths, parse_selector, selector_paths

# protobuf oneof groups (name → members). Discovery documents flatten oneofs into plain
# optional fields; these groups come from the field descriptions and the public protos.
ONEOF_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "ExtendedValue": {
        "value": ("numberValue", "stringValue", "boolValue", "formulaValue", "errorValue"),
    },
    "ConditionalFormatRule": {"rule": ("booleanRule", "gradientRule")},
    "ColorStyle": {"kind": ("rgbColor", "themeColor")},
    "UpdateCellsRequest": {"area": ("start", "range")},
    "DataFilter": {"filter": ("developerMetadataLookup", "a1Range", "gridRange")},
    "EmbeddedObjectPosition": {"location": ("sheetId", "overlayPosition", "newSheet")},
    "ChartSpec": {
        "chart": (
            "basicChart", "pieChart", "bubbleChart", "candlestickChart", "orgChart",
            "histogramChart", "waterfallChart", "treemapChart", "scorecardChart",
        )
    },
}

# The API methods whose body binds to a named field of the proto request rather than the
# request itself (``body: "data"`` in the service config); Google prefixes paths with it.
BODY_FIELD: dict[str, str] = {
    "sheets.spreadsheets.values.update": "data",
    "sheets.spreadsheets.values.append": "data",
    "sheets.spreadsheets.create": "spreadsheet",
}

_INT_FORMATS = {"int32": "TYPE_INT32", "uint32": "TYPE_UINT32", "int64": "TYPE_INT64",
                "uint64": "TYPE_UINT64"}
_ROOT_RE = re.compile(r"The root (?:is the |[`'])?(\w+)[`']? is implied|The root is the (\w+)")
_ONLY_ONE_RE = re.compile(r"only one of ([\w, ]+?) may be set")


def _render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _join(path: str, name: str) -> str:
    return f"{path}.{camel_to_snake(name)}" if path else camel_to_snake(name)


class Validator:
    """Validates queries and bodies for one loaded :class:`Discovery`."""

    def __init__(self, discovery: Discovery) -> None:
        self.discovery = discovery
        self._only_one_cache: dict[tuple[str, str], list[tuple[str, ...]]] = {}

    # ----------------------------------------------------------------- query parameters
    def query(self, method: Method, query: dict[str, list[str]]) -> dict[str, Any]:
        """Check and convert query parameters; returns name → value (list if repeated)."""
        declared = {**self.discovery.global_parameters(method.api), **method.parameters}
        out: dict[str, Any] = {}
        for name, values in query.items():
            spec = declared.get(name)
            if spec is None or spec.get("location") == "path":
                raise ApiError.invalid_argument(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message.",
                    [FieldViolation("", f'Invalid JSON payload received. Unknown name "{name}": '
                                    f"Cannot bind query parameter. Field '{name}' could not be "
                                    "found in request message.")],
                )
            converted = [self._query_value(name, spec, v) for v in values]
            out[name] = converted if spec.get("repeated") else converted[-1]
        return out

    def _query_value(self, name: str, spec: JsonDict, raw: str) -> Any:
        kind = spec.get("type", "string")
        snake = camel_to_snake(name)
        if kind == "boolean":
            lowered = raw.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0", ""):
                return False
            raise self._bad_value(snake, "TYPE_BOOL", raw)
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                raise self._bad_value(snake, _INT_FORMATS.get(spec.get("format", ""),
                                                              "TYPE_INT32"), raw) from None
        if "enum" in spec and raw not in spec["enum"]:
            enum_name = name[0].upper() + name[1:]
            raise self._bad_value(snake, f"type.googleapis.com/google.apps.sheets.v4.{enum_name}",
                                  raw)
        return raw

    @staticmethod
    def _bad_value(path: str, label: str, value: Any) -> ApiError:
        message = f"Invalid value at '{path}' ({label}), {_render(value)}"
        return ApiError.invalid_argument(message, [FieldViolation(path, message)])

    # ----------------------------------------------------------------------- bodies
    def body(self, method: Method, body: Any) -> None:
        """Validate a JSON body against the method's request schema, then the prose rules."""
        if method.request_ref is None:
            return
        prefix = BODY_FIELD.get(method.id, "")
        violations: list[FieldViolation] = []
        self._check(method.api, {"$ref": method.request_ref}, body, prefix, violations)
        if violations:
            raise ApiError.invalid_payload(violations)
        self._prose(method, body)

    def _check(self, api: str, spec: JsonDict, value: Any, path: str,
               out: list[FieldViolation]) -> None:
        if value is None:
            return  # proto3 JSON: null means "not set"
        if "$ref" in spec:
            schema = self.discovery.schema(api, spec["$ref"])
            if not isinstance(value, dict):
                self._violate(out, path, f"type.googleapis.com/google.apps.{api}.v4."
                              f"{spec['$ref']}", value)
                return
            self._check_object(api, spec["$ref"], schema, value, path, out)
            return
        kind = spec.get("type", "any")
        if kind == "any":
            return
        if kind == "array":
            items = spec.get("items", {})
            if not isinstance(value, list):
                label = ("type.googleapis.com/google.protobuf.ListValue"
                         if items.get("type") in ("array", "any") else self._label(api, items))
                self._violate(out, path, label, value)
                return
            for index, item in enumerate(value):
                self._check(api, items, item, f"{path}[{index}]", out)
            return
        if kind == "object":
            if not isinstance(value, dict):
                self._violate(out, path, "type.googleapis.com/google.protobuf.Struct", value)
                return
            extra = spec.get("additionalProperties")
            if extra:
                for key, item in value.items():
                    self._check(api, extra, item, f"{path}[{key}]", out)
            return
        if not self._scalar_ok(kind, spec, value):
            self._violate(out, path, self._label(api, spec, path), value)

    def _check_object(self, api: str, name: str, schema: JsonDict, value: JsonDict, path: str,
                      out: list[FieldViolation]) -> None:
        props = schema.get("properties", {})
        for key, item in value.items():
            if key not in props:
                if api == "drive":
                    # Drive v3 ignores fields it does not know (gspread's share() sends the
                    # v2 field ``withLink`` and Google answers 200); Sheets refuses them.
                    continue
                where = f" at '{path}'" if path else ""
                message = (f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                           "Cannot find field.")
                out.append(FieldViolation(path, message))
                continue
            self._check(api, props[key], item, _join(path, key), out)

    @staticmethod
    def _scalar_ok(kind: str, spec: JsonDict, value: Any) -> bool:
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "string":
            if "enum" in spec:
                return isinstance(value, str) and value in spec["enum"]
            # int64 travels as a JSON string, but proto JSON also accepts a number for it.
            if spec.get("format") in ("int64", "uint64"):
                return isinstance(value, (str, int)) and not isinstance(value, bool)
            return isinstance(value, str)
        if kind == "integer":
            if isinstance(value, bool):
                return False
            if isinstance(value, int):
                return True
            if isinstance(value, float):
                return value.is_integer()
            return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
        if kind == "number":
            if isinstance(value, bool):
                return False
            if isinstance(value, (int, float)):
                return not (isinstance(value, float) and math.isnan(value))
            return isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity")
        return True

    def _label(self, api: str, spec: JsonDict, path: str = "") -> str:
        if "$ref" in spec:
            return f"type.googleapis.com/google.apps.{api}.v4.{spec['$ref']}"
        kind = spec.get("type")
        if "enum" in spec:
            # The enum's proto name is not in the document; the field's name is a close guess
            # (``dimension`` → ``Dimension``, ``horizontalAlignment`` → ``HorizontalAlign``…).
            leaf = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1]) or "Enum"
            camel = "".join(p.capitalize() for p in leaf.split("_"))
            return f"type.googleapis.com/google.apps.{api}.v4.{camel}"
        if kind == "boolean":
            return "TYPE_BOOL"
        if kind == "integer":
            return _INT_FORMATS.get(spec.get("format", "int32"), "TYPE_INT32")
        if kind == "number":
            return "TYPE_FLOAT" if spec.get("format") == "float" else "TYPE_DOUBLE"
        return "TYPE_STRING"

    @staticmethod
    def _violate(out: list[FieldViolation], path: str, label: str, value: Any) -> None:
        out.append(FieldViolation(path, f"Invalid value at '{path}' ({label}), {_render(value)}"))

    # ------------------------------------------------------------------ prose rules
    def _prose(self, method: Method, body: Any) -> None:
        if method.api != "sheets" or not isinstance(body, dict):
            return
        if method.id == "sheets.spreadsheets.batchUpdate":
            for index, request in enumerate(body.get("requests") or []):
                self._check_request(index, request)

    def _check_request(self, index: int, request: JsonDict) -> None:
        kinds = [k for k, v in request.items() if v is not None]
        where = f"requests[{index}]"
        if not kinds:
            raise ApiError.invalid_argument(f"Invalid {where}: No request set.")
        if len(kinds) > 1:
            message = (f"Invalid value at '{where}' (oneof), oneof field 'kind' is already set. "
                       f"Cannot set '{kinds[1]}'")
            raise ApiError.invalid_argument(message, [FieldViolation(where, message)])
        kind = kinds[0]
        spec = self.discovery.schema("sheets", "Request")["properties"][kind]
        payload = request[kind]
        context = f"Invalid {where}.{kind}"
        self._walk_prose("sheets", spec["$ref"], payload, _join(where, kind), context)

    def _walk_prose(self, api: str, ref: str, value: Any, path: str, context: str) -> None:
        """Check unions, ``Required.`` fields and update masks below one object."""
        if not isinstance(value, dict):
            return
        schema = self.discovery.schema(api, ref)
        props = schema.get("properties", {})
        set_keys = [k for k, v in value.items() if v is not None]
        groups = list(ONEOF_GROUPS.get(ref, {}).items())
        groups += [("", members) for members in self._only_one_groups(api, ref)]
        for group, members in groups:
            present = [k for k in set_keys if k in members]
            if len(present) > 1:
                if group:
                    message = (f"Invalid value at '{path}' (oneof), oneof field '{group}' is "
                               f"already set. Cannot set '{present[1]}'")
                    raise ApiError.invalid_argument(message, [FieldViolation(path, message)])
                raise ApiError.invalid_argument(
                    f"{context}: Only one of {', '.join(members)} may be set.")
        for name, spec in props.items():
            if spec.get("description", "").startswith("Required.") and value.get(name) is None:
                raise ApiError.invalid_argument(f"{context}: {name} is required.")
            if spec.get("format") == "google-fieldmask":
                self._check_mask(api, schema, name, spec, value, context)
        for name in set_keys:
            spec = props.get(name, {})
            item = value[name]
            if "$ref" in spec:
                self._walk_prose(api, spec["$ref"], item, _join(path, name), context)
            elif spec.get("type") == "array" and "$ref" in spec.get("items", {}):
                for i, element in enumerate(item or []):
                    self._walk_prose(api, spec["items"]["$ref"], element,
                                     f"{_join(path, name)}[{i}]", context)

    def _only_one_groups(self, api: str, ref: str) -> list[tuple[str, ...]]:
        """Groups stated as "When writing, only one of range or named_range_id may be set"."""
        key = (api, ref)
        if key not in self._only_one_cache:
            groups: set[tuple[str, ...]] = set()
            for spec in self.discovery.schema(api, ref).get("properties", {}).values():
                found = _ONLY_ONE_RE.search(spec.get("description", ""))
                if found:
                    names = re.split(r",\s*|\s+or\s+", found.group(1))
                    groups.add(tuple(sorted(
                        re.sub(r"_([a-z])", lambda m: m.group(1).upper(), n.strip())
                        for n in names if n.strip())))
            self._only_one_cache[key] = sorted(groups)
        return self._only_one_cache[key]

    def _check_mask(self, api: str, schema: JsonDict, name: str, spec: JsonDict,
                    value: JsonDict, context: str) -> None:
        description = spec.get("description", "")
        if "At least one field must be specified" not in description:
            return
        if "Used only if" in description and value.get("newPosition", {}).get(
                "overlayPosition") is None:
            return  # UpdateEmbeddedObjectPosition: the mask matters only for overlays
        mask = value.get(name)
        if not mask or not mask_paths(mask):
            raise ApiError.invalid_argument(f"{context}: At least one field must be specified.")
        target = self._mask_root(api, schema, description)
        if target is None:
            return
        for path in mask_paths(mask):
            if path != "*" and not self.resolves(api, target, path):
                raise ApiError.invalid_argument(
                    f"{context}: Invalid field mask path '{path}': no such field in {target}.")

    def _mask_root(self, api: str, schema: JsonDict, description: str) -> str | None:
        """The schema an update mask is relative to, read from "The root `x` is implied"."""
        found = _ROOT_RE.search(description)
        if not found:
            return None
        root = found.group(1) or found.group(2)
        props = schema.get("properties", {})
        if root in props and "$ref" in props[root]:
            return props[root]["$ref"]
        if root in self.discovery.documents[api]["schemas"]:
            return root
        for spec in props.values():  # ``SlicerSpec`` names the type, not the field
            if spec.get("$ref") == root:
                return root
        return None

    def resolves(self, api: str, ref: str, dotted: str) -> bool:
        """Whether a dotted field path exists below schema ``ref``."""
        spec: JsonDict = {"$ref": ref}
        for part in dotted.split("."):
            while spec.get("type") == "array":
                spec = spec.get("items", {})
            if "$ref" not in spec:
                return False
            props = self.discovery.schema(api, spec["$ref"]).get("properties", {})
            if part not in props:
                return False
            spec = props[part]
        return True

    def response_selector(self, method: Method, response_ref: str | None, text: str) -> Any:
        """Parse a ``fields`` query value; unknown names are a 400 like Google's."""
        try:
            tree = parse_selector(text)
        except SelectorError as exc:
            raise ApiError.invalid_argument(str(exc)) from None
        if response_ref:
            for path in selector_paths(tree):
                clean = ".".join(p for p in path.split(".") if p != "*")
                if clean and not self.resolves(method.api, response_ref, clean):
                    raise ApiError.invalid_argument(
                        "Request contains an invalid argument.",
                        [FieldViolation("fields", f"Invalid field selection {path}")])
        return tree
