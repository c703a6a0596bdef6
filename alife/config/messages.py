"""Turn pydantic validation errors into `LINE:COL: key.path: what was wrong (got VALUE)` problems.

Each pydantic error has a `loc` (field names, list indices, dict keys and, inside unions, the
member tag). We walk the constructed data and the YAML node tree together along that loc to find
the node's position; union tags are not in the data, so they are skipped in the key path and named
after it. Unknown keys get "did you mean ..." from the field names valid at that place, found by
walking the model class along the same loc (nested models, lists, dicts, Optional/Union).
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from alife.config.yamlnodes import Document, Problem, node_position

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


def describe(
    errors: list[dict[str, Any]], doc: Document, model_cls: type[BaseModel]
) -> list[Problem]:
    """Problems (sorted by position, duplicates dropped) for pydantic `errors` on `doc`."""
    problems = {describe_one(err, doc, model_cls) for err in errors}
    return sorted(problems)


def describe_one(err: dict[str, Any], doc: Document, model_cls: type[BaseModel]) -> Problem:
    """One pydantic error dict -> Problem(line, column, 'key.path: message')."""
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    msg, relocated = str(err.get("msg", "invalid value")), False
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        loc, msg, relocated = _relocate(doc, loc, msg)
    path, node, tags, data = _walk(doc, loc, kind)
    value = err.get("input")
    show_got = not relocated and not (
        kind == "value_error" and (isinstance(value, (dict, list, tuple)) or str(value) in msg)
    )
    text = _message(dict(err, msg=msg), kind, loc, model_cls, show_got)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field = _QUOTED.findall(str((err.get("ctx") or {}).get("discriminator", "")))
        if field and isinstance(data, dict) and field[0] in data:
            path, node, _, _ = _walk(doc, loc + (field[0],), kind)
    if tags:
        text += f" (as {' / '.join(tags)})"
    line, col = node_position(node)
    return Problem(line, col, f"{path}: {text}" if path else text)


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
    data = doc.data
    for i, elem in enumerate(loc + extra):
        if isinstance(data, dict) and _has_key(data, elem):
            data = _get(data, elem)
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            data = data[elem]
        elif i >= len(loc):  # (elements of loc not in the data are union tags)
            return loc, text, False
    if match.group(2) == ": ":
        text = text[match.end() :]
    return loc + extra, text, True


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
            key_node, value_node = _find_pair(doc, node, elem)
            if not (last and kind == "invalid_key"):
                parts.append(_path_part(elem))
            data = _get(data, elem)
            if key_node is None:
                continue
            node = key_node if (last and want_key) else value_node
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            parts.append(f"[{elem}]")
            data = data[elem]
            if hasattr(node, "value") and isinstance(node.value, list) and elem < len(node.value):
                node = node.value[elem]
        elif last and kind == "missing" and isinstance(data, dict):
            parts.append(_path_part(elem))  # a missing key: stay at the parent mapping
        elif isinstance(elem, str) and not elem.startswith("["):
            tags.append(elem)  # a union member tag, not part of the file
    return "".join(parts).lstrip("."), node, tags, data


def _has_key(data: dict, elem: Any) -> bool:
    try:
        return elem in data or any(k == elem for k in data)
    except TypeError:
        return False


def _get(data: dict, elem: Any) -> Any:
    if elem in data:
        return data[elem]
    return next(v for k, v in data.items() if k == elem)


def _find_pair(doc: Document, node: Any, elem: Any):
    """(key node, value node) of the mapping entry for `elem`; the last one wins, like YAML."""
    pairs = getattr(node, "value", None)
    if not isinstance(pairs, list):
        return None, None
    loose = None
    for key_node, value_node in reversed(pairs):
        if not hasattr(key_node, "tag"):
            continue
        key = doc.key_value(key_node)
        if type(key) is type(elem) and key == elem:
            return key_node, value_node
        if loose is None and (key == elem or str(key) == str(elem)):
            loose = (key_node, value_node)
    return loose or (None, None)


def _path_part(elem: Any) -> str:
    if isinstance(elem, int) and not isinstance(elem, bool):
        return f"[{elem}]"
    text = str(elem)
    return f".{text}" if re.fullmatch(r"[A-Za-z_][\w-]*", text) else f"[{text!r}]"


def _message(
    err: dict[str, Any], kind: str, loc: tuple, model_cls: type[BaseModel], show_got: bool
) -> str:
    msg = str(err.get("msg", "invalid value"))
    for old, new in _REWRITES:
        if msg.startswith(old):
            msg = new + msg[len(old) :]
    msg = re.sub(r"^(List|Tuple|Dictionary|Set|Frozenset|String|Value) should ", "should ", msg)
    msg = msg.replace(" after validation", "")
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
        msg = f"unknown {field} {ctx.get('tag')!r}, expected one of {', '.join(expected)}"
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


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest valid choice to a misspelt `word` (case-insensitive difflib), or None."""
    lowered = {c.lower(): c for c in choices}
    hit = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hit[0]] if hit else None


def format_value(value: Any) -> str:
    """A short, YAML-flavoured rendering of an offending input value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
    for field in tp.model_fields.values():
        for leaf in _leaves(field.annotation):
            if typing.get_origin(leaf) is typing.Literal and tag in typing.get_args(leaf):
                return True
    return False
