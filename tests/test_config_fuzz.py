"""Fuzzed world files: mutations of the shipped worlds/*.yaml always give either a valid
`WorldConfig` or a `WorldConfigError` whose every line starts `FILE:LINE:COL: ` (with the line
inside the file) -- never any other exception. Plus exhaustive checks that every key and value
of every shipped world is located exactly when it is wrong.
A deeper run: ALIFE_FUZZ_EXAMPLES=2000 python -m pytest tests/test_config_fuzz.py
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from alife.config import load_world, parse_model
from alife.config.loader import non_finite_errors
from alife.config.models import WorldConfig
from alife.errors import WorldConfigError

ROOT = Path(__file__).resolve().parent.parent
WORLDS = sorted((ROOT / "worlds").glob("*.yaml"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in WORLDS}
NAMES = sorted(TEXTS)
EXAMPLES = int(os.environ.get("ALIFE_FUZZ_EXAMPLES", "60"))  # e.g. 2000 for a deep run
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

BAD_VALUES = [
    -1, 0, -0.5, 10**12, 10**30, 1e308, math.nan, math.inf, -math.inf, "junk", "", [], {},
    None, True, [1, "a"], {"x": 1}, "2026-01-01", 0.5, 3,
]  # fmt: skip
JUNK = [
    ":", ": ", "-", "- ", "[", "]", "{", "}", "&x ", "*x", "*nope", "!!", "!!python/object:os.sep ",
    "\t", "  ", "\n  ", "\n", "#", '"', "'", "%", "@", "`", "|", ">", "? ", "\x00", "\x07", "é",
    "\ufeff", "<<: *x", "---\n", "...\n", "2026-13-45", "~", ",", "&a [*a]", "\r", "\u2028",
]  # fmt: skip


def check(text: str, source: str) -> WorldConfig | None:
    """Load `text`; assert the outcome is a WorldConfig or a well-formed WorldConfigError."""
    try:
        cfg = parse_model(text, WorldConfig, source=source)
    except WorldConfigError as err:
        assert_located(err, text, source)
        return None
    assert isinstance(cfg, WorldConfig)
    assert non_finite_errors(cfg) == []  # a loaded world never holds NaN or infinity
    return cfg


def assert_located(err: WorldConfigError, text: str, source: str) -> None:
    assert err.problems and str(err) == "\n".join(err.problems)
    n_lines = len(re.split(r"\r\n|\r|\n|\x85|\u2028|\u2029", text))
    for line in err.problems:
        match = re.match(rf"{re.escape(source)}:(\d+):(\d+): \S", line)
        assert match, f"not located: {line!r}"
        assert 1 <= int(match[1]) <= n_lines, (line, n_lines)
        assert int(match[2]) >= 1, line
        assert "\n" not in line


# --- hypothesis: mutations of the data --------------------------------------------------------


def _slots(data, prefix=()):
    """Every (path, container, key) in nested dicts/lists."""
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return
    for key, value in items:
        yield prefix + (key,), data, key
        yield from _slots(value, prefix + (key,))


def _misspell(key: str, how: int) -> str:
    if not key:
        return "x"
    i = how % len(key)
    choices = [
        key[:i] + key[i + 1 :],  # drop a letter
        key[:i] + key[i] * 2 + key[i + 1 :],  # double a letter
        key[:i] + key[i + 1 : i + 2] + key[i : i + 1] + key[i + 2 :],  # swap two
        key.upper(),
        key + "s",
    ]
    return choices[how % len(choices)] or "x"


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_data_mutations_load_or_fail_cleanly(name, data):
    world = yaml.safe_load(TEXTS[name])
    slots = list(_slots(world))
    op = data.draw(st.sampled_from(["delete", "misspell", "value", "value", "add"]), label="op")
    path, container, key = data.draw(st.sampled_from(slots), label="slot")
    if op == "delete":
        del container[key]
    elif op == "misspell" and isinstance(container, dict):
        new = _misspell(str(key), data.draw(st.integers(0, 50)))
        container[new] = container.pop(key)
    elif op == "add" and isinstance(container, dict):
        container[data.draw(st.sampled_from(["colour", "speed", "widht", "x", "name"]))] = 1
    else:
        container[key] = data.draw(st.sampled_from(BAD_VALUES), label="value")
    text = "# yaml-language-server: $schema=../assets/world.schema.json\n"
    text += yaml.safe_dump(world, sort_keys=False)
    check(text, f"worlds/{name}")


# --- hypothesis: mutations of the text --------------------------------------------------------


@st.composite
def mutated_text(draw):
    name = draw(st.sampled_from(NAMES))
    text = TEXTS[name]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "junk", "indent", "dup", "delete", "text"]))
        lines = text.splitlines(keepends=True) or [""]
        row = draw(st.integers(0, len(lines) - 1))
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind in ("junk", "text"):
            pos = draw(st.integers(0, len(text)))
            junk = draw(st.sampled_from(JUNK) if kind == "junk" else st.text(max_size=4))
            text = text[:pos] + junk + text[pos:]
        elif kind == "indent":
            delta = draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))
            line = lines[row]
            lines[row] = " " * delta + line if delta > 0 else line[min(-delta, len(line)) :]
            text = "".join(lines)
        elif kind == "dup":  # duplicate a line, usually a key
            keys = [i for i, line in enumerate(lines) if re.match(r"\s*[\w-]+:", line)]
            i = draw(st.sampled_from(keys)) if keys else row
            text = "".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])
        else:
            text = "".join(lines[:row] + lines[row + 1 :])
    return name, text


@FUZZ
@given(case=mutated_text())
def test_text_mutations_load_or_fail_cleanly(case):
    name, text = case
    check(text, f"worlds/{name}")


@settings(
    max_examples=max(EXAMPLES // 2, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=mutated_text())
def test_text_mutations_through_files(case):
    """The same, through load_world on a real file (encoding, BOM and file reading)."""
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        try:
            cfg = load_world(path)
        except WorldConfigError as err:
            raw = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
            assert_located(err, raw, str(path))
        else:
            assert isinstance(cfg, WorldConfig)


# --- exhaustive: every key and value of every shipped world is located exactly ------------------


def _nodes(node, loc=(), seen=None):
    """(loc, key_node, value_node) for every mapping entry and list item, each node once."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                yield loc + (key_node.value,), key_node, value_node
                yield from _nodes(value_node, loc + (key_node.value,), seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield loc + (i,), None, item
            yield from _nodes(item, loc + (i,), seen)


def _path(loc) -> str:
    return "".join(f"[{e}]" if isinstance(e, int) else f".{e}" for e in loc).lstrip(".")


def _pos(node) -> str:
    return f"{node.start_mark.line + 1}:{node.start_mark.column + 1}"


@pytest.mark.parametrize("name", NAMES)
def test_every_misspelt_key_is_located_with_did_you_mean(name):
    text = TEXTS[name]
    entries = [e for e in _nodes(yaml.compose(text, Loader=yaml.SafeLoader)) if e[1] is not None]
    assert entries
    for loc, key_node, _ in entries:
        end = key_node.end_mark.index
        bad = text[:end] + "q" + text[end:]
        with pytest.raises(WorldConfigError) as info:
            parse_model(bad, WorldConfig, source=name)
        want = f"{name}:{_pos(key_node)}: {_path(loc)}q: unknown key, did you mean '{loc[-1]}'?"
        assert want in info.value.problems, (want, info.value.problems)


@pytest.mark.parametrize("name", NAMES)
def test_every_wrong_value_is_reported_at_its_position(name):
    """Replace each scalar value by a word; any problem naming that key path points at it."""
    text = TEXTS[name]
    scalars = [e for e in _nodes(yaml.compose(text, Loader=yaml.SafeLoader))]
    scalars = [e for e in scalars if isinstance(e[2], ScalarNode) and e[2].style is None]
    assert scalars
    wrong = 0
    for loc, _, value_node in scalars:
        start, end = value_node.start_mark.index, value_node.end_mark.index
        bad = text[:start] + "zzz" + text[end:]
        try:
            parse_model(bad, WorldConfig, source=name)
        except WorldConfigError as err:
            named = [p for p in err.problems if f": {_path(loc)}: " in p]
            assert all(p.startswith(f"{name}:{_pos(value_node)}: ") for p in named), named
            wrong += bool(named)
    assert wrong >= len(scalars) // 2  # most values are numbers, flags or choices
