"""World files that are too big, too many problems, odd values, and checks across keys.

- a size limit checked before reading; a cap on the number of values before data is built;
- work linear in the file (counted in Python function calls, which do not depend on load);
- at most MAX_SHOWN problems and a line counting the rest; lines bounded, values shown as the
  file writes them (never Python reprs);
- every check that needs several keys (the evolution layout, elitism, tournament size, the agent
  and item caps of every layout) is made when the file is loaded, at the key to change.
"""

from __future__ import annotations

import cProfile
import pstats
import re
from pathlib import Path

import pytest
import yaml

from alife.cli import main
from alife.config import load_world, parse_model
from alife.config.loader import MAX_FILE_BYTES, MAX_LINE
from alife.config.messages import MAX_SHOWN
from alife.config.models import WorldConfig
from alife.config.yamlnodes import MAX_VALUES, parse
from alife.errors import WorldConfigError

ROOT = Path(__file__).resolve().parent.parent
FORAGING = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
LOCATED = re.compile(r"^w\.yaml:(\d+):(\d+): \S")


def problems(text: str) -> list[str]:
    with pytest.raises(WorldConfigError) as info:
        parse_model(text, WorldConfig, source="w.yaml")
    lines = info.value.problems
    for line in lines:
        assert LOCATED.match(line), line
        assert len(line) <= MAX_LINE and "\n" not in line, line
    return lines


def only(text: str) -> str:
    (line,) = problems(text)
    return line


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def edit(old: str, new: str, text: str = FORAGING) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- size ---------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:  # 50 MB of unknown keys: refused from its size alone
        fh.write(FORAGING.encode())
        fh.truncate(50 * 2**20)
    with pytest.raises(WorldConfigError) as info:
        load_world(big)
    assert info.value.problems == [
        f"{big}: the file is 50.0 MB; world files may be at most 1.0 MB (a whole world takes a "
        "few KB: was something generated or pasted into it?)"
    ]


def test_size_limit_holds_for_files_that_do_not_know_their_size():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(WorldConfigError, match=r"/dev/zero: the file is more than 1\.0 MB"):
        load_world("/dev/zero")


def test_size_limit_applies_to_text_too():
    text = FORAGING + "#" * MAX_FILE_BYTES
    with pytest.raises(WorldConfigError, match=r"^w\.yaml: the file is 1\.0 MB; "):
        parse_model(text, WorldConfig, source="w.yaml")


def test_too_many_values_are_refused_at_the_list_before_building_data():
    circles = "".join(f"    - {{x: {i % 400}, y: {i % 397}, radius: 1}}\n" for i in range(20_000))
    text = edit("  circles:\n", "  circles:\n" + circles)
    assert len(text.encode()) < MAX_FILE_BYTES
    assert only(text) == (
        f"w.yaml:{line_of(text, '    - {x: 0')}:5: obstacles.circles: holds more than "
        f"{MAX_VALUES:,} values (a whole world needs a few thousand)"
    )
    few = edit("  circles:\n", "  circles:\n" + circles[: circles.index("    - {x: 300")])
    assert only(few).endswith("obstacles.circles: should have at most 256 items, not 302")


# --- linear time --------------------------------------------------------------------------


def _calls(text: str) -> int:
    """Python function calls made to load and check `text` (deterministic)."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        parse_model(text, WorldConfig, source="w.yaml")
    except WorldConfigError:
        pass
    profile.disable()
    return pstats.Stats(profile).total_calls


@pytest.mark.parametrize(
    "extra",
    [
        lambda i: f"unknown_key_{i}: 1\n",  # unknown top-level keys
        lambda i: f"  k{i}: {i}\n",  # unknown keys inside evolution
        lambda i: f"seed: {i}\n",  # duplicate keys
    ],
    ids=["unknown", "nested", "duplicate"],
)
def test_work_grows_linearly_with_the_number_of_problems(extra):
    def text(n: int) -> str:
        return FORAGING + "".join(extra(i) for i in range(n))

    parse_model(FORAGING, WorldConfig)  # (imports and caches done before counting)
    small, large = _calls(text(1000)), _calls(text(2000))
    assert large < 2.3 * small, (small, large)  # quadratic work would give 4x


def test_many_problems_show_the_first_ones_and_count_the_rest():
    text = FORAGING + "".join(f"unknown_key_{i}: 1\n" for i in range(10_000))
    lines = problems(text)
    first = line_of(text, "unknown_key_0:")
    assert len(lines) == MAX_SHOWN + 1
    assert lines[0] == (
        f"w.yaml:{first}:1: unknown_key_0: unknown key (valid keys here: arena, cue, "
        "description, episode, evolution, food, name, obstacles, poison, seed, species, swap, "
        "swap_balanced)"
    )
    assert lines[MAX_SHOWN - 1].startswith(f"w.yaml:{first + MAX_SHOWN - 1}:1: unknown_key_19:")
    assert lines[-1] == (
        f"w.yaml:{first + MAX_SHOWN}:1: 9,980 more problems from here on (not shown; fix the "
        "ones above first)"
    )


def test_duplicate_keys_are_capped_too():
    lines = problems(FORAGING + "".join(f"seed: {i}\n" for i in range(500)))
    assert len(lines) == MAX_SHOWN + 1 and "duplicate key 'seed'" in lines[0]
    assert "480 more problems from here on" in lines[-1]


# --- values as written --------------------------------------------------------------------


def test_huge_integer_is_a_located_value_problem_not_a_syntax_error():
    line = only(edit("seed: 1 ", "seed: " + "7" * 100_000 + " "))
    assert line.startswith(f"w.yaml:{line_of(FORAGING, 'seed: 1 ')}:7: seed: a number with "
                           "100,000 digits is far too big (got 7777")  # fmt: skip
    assert "YAML syntax error" not in line and line.endswith("(100,000 characters))")
    hexa = only(edit("seed: 1 ", "seed: 0x" + "f" * 100_000 + " "))
    assert hexa.endswith(
        "seed: should be less than or equal to 9223372036854775807 (got a number with about "
        "120,412 digits)"
    )


def test_invalid_date_is_a_located_value_problem():
    line = only(edit("seed: 1 ", "seed: 2026-13-45 "))
    assert line == (
        f"w.yaml:{line_of(FORAGING, 'seed: 1 ')}:7: seed: 2026-13-45 looks like a date but is "
        "not a valid one (month must be in 1..12); put it in quotes if it is meant as text"
    )


@pytest.mark.parametrize(
    "value, shown",
    [
        ("2026-01-01", "2026-01-01 (read as a date; put it in quotes for text)"),
        ("2026-01-01 10:30:00", "2026-01-01T10:30:00 (read as a date; put it in quotes for text)"),
        ("!!set {a, b}", "a set of 2 items"),
        ("!!binary aGVsbG8=", "binary data (5 bytes)"),
        ("'x\ty'", '"x\\ty"'),
        ("[1, 2, 3]", "a list of 3 items"),
    ],
)
def test_values_are_shown_as_the_file_writes_them(value, shown):
    line = only(edit("seed: 1 ", f"seed: {value} "))
    assert line.endswith(f"(got {shown})"), line
    assert not re.search(r"datetime|\{'|b'|set\(", line), line


def test_long_values_are_cut_short():
    text = "n" * 100_000
    line = only(edit("seed: 1 ", f"seed: {text} "))
    assert line == (
        f"w.yaml:{line_of(FORAGING, 'seed: 1 ')}:7: seed: should be a valid integer, unable to "
        f"parse string as an integer (got '{'n' * 39}...nnnnnnn' (100,002 characters))"
    )
    sees = only(edit("sees: [wall, food, poison, agent]", f"sees: [wall, {text}]"))
    assert len(sees) <= MAX_LINE and "characters" in sees


def test_fast_and_pure_python_parsers_agree_on_the_shipped_worlds():
    for path in sorted((ROOT / "worlds").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert parse(text).data == yaml.load(text, Loader=yaml.SafeLoader)


# --- checks across keys, at the key to change ----------------------------------------------


def test_elitism_larger_than_the_population():
    text = edit("elitism: 4", "elitism: 4000000")
    assert only(text) == (
        f"w.yaml:{line_of(text, 'elitism:')}:12: evolution.elitism: 4,000,000 must be smaller "
        "than species 0's population (8 arenas x 40 = 320)"
    )


def test_tournament_larger_than_the_population():
    text = edit("tournament_size: 3", "tournament_size: 64", edit("arenas: 8 ", "arenas: 1 "))
    line = only(text)
    assert line.startswith(f"w.yaml:{line_of(text, 'selection:')}:52: "
                           "evolution.selection.tournament_size: 64 is more than species 0's "
                           "population (40)")  # fmt: skip


def test_layout_errors_are_located():
    text = edit("elitism: 4", "elitism: 4\n  population: 100")
    assert only(text) == (
        f"w.yaml:{line_of(text, 'population:')}:15: evolution.population: 100 is not a multiple "
        "of agents_per_arena = 40"
    )
    text = edit("elitism: 4", "elitism: 4\n  agents_per_arena: [10, 20]")
    assert only(text).endswith(
        ":21: evolution.agents_per_arena: has 2 entries but the world has 1 species"
    )


def test_agent_cap_applies_to_the_generational_layout():
    text = edit("arenas: 8 ", "arenas: 100000 ", edit("count: 40 ", "count: 1000 "))
    assert only(text) == (
        f"w.yaml:{line_of(text, 'arenas: 100000')}:11: evolution.arenas: a generation would "
        "hold 100,000 arenas x 1,000 agents = 100,000,000 agents (evolution.arenas x agents per "
        "arena), more than 2,000,000"
    )
    # no arenas key: the species count is what to change
    text = edit("  arenas: 8  ", "  # ", edit("count: 40 ", "count: 400000 "))
    assert only(text).startswith(
        f"w.yaml:{line_of(text, 'count: 400000')}:12: species[0].count: a generation would "
        "hold 8 arenas x 400,000 agents = 3,200,000 agents"
    )


def test_agent_and_item_caps_apply_to_open_ended_worlds():
    eco = (ROOT / "worlds" / "ecology.yaml").read_text(encoding="utf-8")
    text = re.sub(r"max_population: \d+", "max_population: 5000000", eco, count=1)
    line = only(text)
    assert line.startswith(f"w.yaml:{line_of(text, 'max_population:')}:")
    assert line.endswith(
        "evolution.open_ended.max_population: the world would hold 1 arena x 10,000,000 agents "
        "= 10,000,000 agents (arena.count x max_population per species), more than 2,000,000"
    )


def test_item_cap_applies_to_the_generational_layout():
    text = edit("arenas: 8 ", "arenas: 100000 ", edit("count: 40 ", "count: 1 "))
    text = edit("max_count: 70 ", "max_count: 100000 ", text)
    assert only(text).endswith(
        "evolution.arenas: a generation would hold 100,000 arenas x 100,010 food and poison "
        "slots = 10,001,000,000, more than 20,000,000"
    )


def test_validate_reports_cross_key_problems_with_a_line(tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text(edit("elitism: 4", "elitism: 4000000"), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert re.match(rf"{re.escape(str(path))}:\d+:12: evolution\.elitism: 4,000,000 must", line)
