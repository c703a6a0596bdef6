"""Turn pydantic validation errors into `LINE:COL: key.path: what was wrong (got VALUE)` problems.

Each pydantic error has a `loc` (field names, list indices, dict keys and, inside unions, the
member tag). We walk the constructed data and the YAML node tree together along that loc to find
the node's position; union tags are not in the data, so they are skipped in the key path and named
after it. Unknown keys get "did you mean ..." from the field names valid at that place, found by
walking the model class along the same loc (nested models, lists, dicts, Optional/Union).

Linear in the file: each mapping's keys are indexed once (`Document.find_pair`), every error is
located in O(depth), and only the first `limit` problems (by position) get their full wording;
the rest are counted in one closing line. Values are shown as the file writes them, cut short
when long (`format_value`), never as Python reprs.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from alife.config.yamlnodes import Document, Problem, elide, node_position, path_part

_QUOTED = re.compile(r"'([^']*)'")
_NO_GOT = {"missing", "extra_forbidden", "union_tag_not_found", "too_short", "too_long"}
_REWRITES = (
    ("Value error, ", ""),
    ("Assertion failed, ", ""),
    ("Input should be ", "should be "),
    ("Field required", "required key is missing"),
    ("Extra inputs are not permitted", "unknown key"),
    ("should be a valid dictionary or instance of ", "should be a mapping of keys for "),
    (
        "should be a valid dictionary or object to extract fields from",
        "should be a mapping of keys",
    ),
    ("should be a valid dictionary", "should be a mapping of keys"),
    ("should be a valid tuple", "should be a list"),
    ("should be a valid list", "should be a list"),
)


MAX_SHOWN = 20  # problems worded in full; the rest are counted


class _Located(NamedTuple):
    """Where one pydantic error is (the first 6 fields order problems), and the parts of its
    wording that `_word` needs besides the error itself. Equal ones are one problem."""

    line: int
    column: int
    path: str
    tags: tuple[str, ...]
    kind: str
    msg: str
    loc: tuple
    relocated: bool


def describe(
    errors: list[dict[str, Any]], doc: Document, model_cls: type[BaseModel],
    limit: int = MAX_SHOWN,
) -> list[Problem]:  # fmt: skip
    """Problems for pydantic `errors` on `doc`, sorted by position, duplicates dropped: the first
    `limit` in full, then (if there are more) one line counting the rest (`more_problems`)."""
    located: dict[_Located, dict[str, Any]] = {}
    for err in errors:
        located.setdefault(_locate(err, doc), err)
    order = sorted(located, key=lambda p: p[:6])
    shown: dict[Problem, None] = {}  # (ordered, without duplicates)
    for i, place in enumerate(order):
        if len(shown) == limit:
            return [*shown, more_problems(place.line, place.column, len(order) - i)]
        shown[_word(place, located[place], model_cls)] = None
    return list(shown)


def more_problems(line: int, column: int, count: int) -> Problem:
    """The closing line of a cut-short list: `count` problems from (line, column) on."""
    what = "1 more problem" if count == 1 else f"{count:,} more problems"
    return Problem(line, column, f"{what} from here on (not shown; fix the ones above first)")


def _locate(err: dict[str, Any], doc: Document) -> _Located:
    """Find where an error is (cheap: O(depth) with the document's key index)."""
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    msg, relocated = str(err.get("msg", "invalid value")), False
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        loc, msg, relocated = _relocate(doc, loc, msg)
    msg = _plain(msg)
    path, node, tags, data = _walk(doc, loc, kind)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field_name = _QUOTED.findall(str((err.get("ctx") or {}).get("discriminator", "")))
        if field_name and isinstance(data, dict) and field_name[0] in data:
            path, node, _, _ = _walk(doc, loc + (field_name[0],), kind)
    line, col = node_position(node)
    return _Located(line, col, path, tuple(tags), kind, msg, loc, relocated)


def _word(place: _Located, err: dict[str, Any], model_cls: type[BaseModel]) -> Problem:
    """The full problem line of a located error."""
    value = err.get("input")
    show_got = not place.relocated and not (
        place.kind == "value_error"
        and (isinstance(value, (dict, list, tuple)) or _mentions(place.msg, value))
    )
    text = _message(dict(err, msg=place.msg), place.kind, place.loc, model_cls, show_got)
    if place.tags:
        text += f" (as {' / '.join(place.tags)})"
    return Problem(place.line, place.column, f"{place.path}: {text}" if place.path else text)


def _mentions(msg: str, value: Any) -> bool:
    """True if a validator's message already shows the value."""
    try:
        return str(value) in msg
    except ValueError:  # an integer too long to print
        return False


_PATH_PREFIX = re.compile(r"([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)(: | )")
_PATH_PART = re.compile(r"\.?([A-Za-z_][\w-]*)|\[(\d+)\]")


def _relocate(doc: Document, loc: tuple, text: str) -> tuple[tuple, str, bool]:
    """A model validator's message that starts with a key path below its model
    (`"species[1].eats: unknown item 'x'"`) is reported at that path, not at the model."""
    match = _PATH_PREFIX.match(text)
    if not match:
        return loc, text, False
    extra = tuple(
        int(index) if index else name for name, index in _PATH_PART.findall(match.group(1))
    )
    if len(extra) < 2 and match.group(2) != ": ":
        return loc, text, False  # a single plain word followed by a space is just prose
    data, depth = doc.data, len(loc)
    for i, elem in enumerate(loc + extra):
        if isinstance(data, dict) and _has_key(data, elem):
            data = data[elem]
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            data = data[elem]
        elif i >= len(loc):
            break
        else:
            continue  # (elements of loc not in the data are union tags)
        depth = max(depth, i + 1)
    rest = extra[depth - len(loc) :]
    if depth == len(loc) or (rest and match.group(2) != ": "):
        return loc, text, False
    text = text[match.end() :] if match.group(2) == ": " else text
    if rest:  # a key left at its default: report it at the nearest key the file has
        text = "".join(path_part(e) for e in rest).lstrip(".") + ": " + text
    return loc + extra[: depth - len(loc)], text, True


def _walk(doc: Document, loc: tuple, kind: str):
    """Follow `loc` through data and nodes: (key path text, node, skipped tags, data there).

    Unknown keys point at the key itself; missing keys at the parent mapping; others at the value.
    """
    want_key = kind in ("extra_forbidden", "invalid_key")
    data, node = doc.data, doc.node
    parts: list[str] = []
    tags: list[str] = []
    for i, elem in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(data, dict) and _has_key(data, elem):
            key_node, value_node = doc.find_pair(node, elem)
            if not (last and kind == "invalid_key"):
                parts.append(path_part(elem))
            data = data[elem]
            if key_node is None:
                continue
            node = key_node if (last and want_key) else value_node
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            parts.append(f"[{elem}]")
            data = data[elem]
            if hasattr(node, "value") and isinstance(node.value, list) and elem < len(node.value):
                node = node.value[elem]
        elif last and kind == "missing" and isinstance(data, dict):
            parts.append(path_part(elem))  # a missing key: stay at the parent mapping
        elif isinstance(elem, str) and not elem.startswith("["):
            tags.append(elem)  # a union member tag, not part of the file
    return "".join(parts).lstrip("."), node, tags, data


def _has_key(data: dict, elem: Any) -> bool:
    try:
        return elem in data
    except TypeError:
        return False


def _message(
    err: dict[str, Any], kind: str, loc: tuple, model_cls: type[BaseModel], show_got: bool
) -> str:
    msg = str(err.get("msg", "invalid value"))
    if kind == "invalid_key":
        return f"key {format_value(err.get('input'))} should be text (put it in quotes)"
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden" and loc:
        valid = valid_keys(model_cls, loc[:-1])
        hint = suggest(str(loc[-1]), valid)
        if hint:
            return f"unknown key, did you mean {hint!r}?"
        shown = ", ".join(sorted(valid)[:15]) + (", ..." if len(valid) > 15 else "")
        return f"unknown key (valid keys here: {shown})" if valid else "unknown key"
    if kind == "union_tag_invalid":
        field = ", ".join(_QUOTED.findall(str(ctx.get("discriminator", "")))) or "tag"
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag = format_value(ctx.get("tag"))
        msg = f"unknown {field} {tag}, expected one of {', '.join(expected)}"
        hint = suggest(str(ctx.get("tag")), expected)
        return msg + (f"; did you mean {hint!r}?" if hint else "")
    if kind == "union_tag_not_found":
        field = ", ".join(_QUOTED.findall(str(ctx.get("discriminator", "")))) or "tag"
        return f"required key {field!r} is missing (it says which kind this is)"
    if show_got and kind not in _NO_GOT and not re.search(r"\bgot\b", msg):
        msg += f" (got {format_value(value)})"
    if kind in ("literal_error", "enum") and isinstance(value, str):
        hint = suggest(value, _QUOTED.findall(str(ctx.get("expected", ""))))
        if hint:
            msg += f"; did you mean {hint!r}?"
    return msg


@functools.lru_cache(maxsize=1024)
def _plain(msg: str) -> str:
    """pydantic's wording made plainer ('Input should be' -> 'should be', ...)."""
    for old, new in _REWRITES:
        if msg.startswith(old):
            msg = new + msg[len(old) :]
    msg = re.sub(r"^(List|Tuple|Dictionary|Set|Frozenset|String|Value) should ", "should ", msg)
    return msg.replace(" after validation", "")


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest valid choice to a misspelt `word` (case-insensitive difflib), or None."""
    lowered = {c.lower(): c for c in choices}
    hit = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hit[0]] if hit else None


def format_value(value: Any) -> str:
    """An offending input value as a YAML file would write it, cut short when long: `null`,
    `true`, `.nan`, `'text'`, `2026-01-01 (read as a date)`; containers by their size."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int):
        if value.bit_length() > 1000:  # too long to print in full (or at all)
            digits = int(value.bit_length() * math.log10(2)) + 1
            return f"a number with about {digits:,} digits"
        return elide(str(value))
    if isinstance(value, float):
        return elide(repr(value))
    if isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'" if value.isprintable() else json.dumps(value)
        return elide(text)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return f"{value.isoformat()} (read as a date; put it in quotes for text)"
    if isinstance(value, (bytes, bytearray)):
        return f"binary data ({len(value):,} bytes)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = "set" if isinstance(value, (set, frozenset)) else "list"
        return f"a {kind} of {len(value):,} item{'s' if len(value) != 1 else ''}"
    return f"a value of type {type(value).__name__}"


def valid_keys(model_cls: type, loc: tuple) -> list[str]:
    """Field names (and aliases) accepted at `loc` inside `model_cls` (empty if not a model)."""
    current = _leaves(model_cls)
    for elem in loc:
        nxt = [t for tp in current for t in _step(tp, elem)]
        if not nxt:  # a union tag: keep the member(s) it names, or all of them
            nxt = [tp for tp in current if _is_tagged(tp, elem)] or current
        current = nxt
    names: set[str] = set()
    for tp in current:
        if _is_model(tp):
            for name, field in tp.model_fields.items():
                names.add(field.alias or name)
    return sorted(names)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _leaves(tp: Any) -> list[Any]:
    """Unwrap Annotated / Optional / Union into the member types."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [leaf for arg in typing.get_args(tp) for leaf in _leaves(arg)]
    return [tp]


def _step(tp: Any, elem: Any) -> list[Any]:
    """Types reached from `tp` by one loc element (field name, index or dict key)."""
    if _is_model(tp):
        for name, field in tp.model_fields.items():
            if elem in (name, field.alias):
                return _leaves(field.annotation)
        return []
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None or not args or isinstance(elem, str) and elem.startswith("["):
        return []
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return _leaves(args[-1])
    if isinstance(elem, int) and isinstance(origin, type) and issubclass(origin, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return _leaves(args[0])
        return _leaves(args[elem]) if elem < len(args) else []
    if isinstance(elem, int) and isinstance(origin, type) and issubclass(origin, Sequence):
        return _leaves(args[0])
    if isinstance(elem, int) and origin in (set, frozenset):
        return _leaves(args[0])
    return []


def _is_tagged(tp: Any, tag: Any) -> bool:
    """True if `tag` names this union member: its class name or a Literal value of a field."""
    if not _is_model(tp):
        return getattr(tp, "__name__", None) == tag
    if tp.__name__ == tag:
        return True
    for info in tp.model_fields.values():
        for leaf in _leaves(info.annotation):
            if typing.get_origin(leaf) is typing.Literal and tag in typing.get_args(leaf):
                return True
    return False
