"""YAML loading with file:line:column messages (alife/config/loader.py, messages.py, yamlnodes.py).

Most cases use a small test model defined here, so the expected positions are exact and do not
depend on the shipped world models; the last tests run the real `load_world` on worlds/*.yaml.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

import pytest
import yaml
from pydantic import Field, field_validator, model_validator

from alife.config import load_model, load_world, parse_model
from alife.config.base import StrictModel
from alife.config.messages import suggest, valid_keys
from alife.config.yamlnodes import parse
from alife.errors import AlifeError, WorldConfigError

ROOT = Path(__file__).resolve().parent.parent
WORLDS = sorted((ROOT / "worlds").glob("*.yaml"))


class Brain(StrictModel):
    width: int = 8
    depth: int = Field(1, ge=1)

    @field_validator("width")
    @classmethod
    def _pow2(cls, v: int) -> int:
        if v < 1 or v & (v - 1):
            raise ValueError(f"must be a power of two, got {v}")
        return v


class Species(StrictModel):
    name: str
    count: int = Field(1, ge=1)
    brain: Brain = Field(default_factory=Brain)


class Circle(StrictModel):
    kind: Literal["circle"]
    radius: float = Field(gt=0)


class Rect(StrictModel):
    kind: Literal["rect"]
    width: float = Field(gt=0)


class Toy(StrictModel):
    seed: int = 0
    speed: float = 1.0
    mode: Literal["sign", "reservoir"] = "sign"
    species: list[Species]
    obstacles: list[Annotated[Circle | Rect, Field(discriminator="kind")]] = []
    extras: dict[str, Brain] = {}
    cue: Brain | None = None

    @model_validator(mode="after")
    def _unique(self) -> Toy:
        names = [s.name for s in self.species]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"species[{i}].name: duplicate species name {name!r}")
        return self


GOOD = """\
seed: 3
species:
  - name: a
    count: 2
  - name: b
    brain:
      width: 16
      depth: 2
obstacles:
  - {kind: circle, radius: 2}
  - kind: rect
    width: 3
"""


def load_text(tmp_path: Path, text: str, name: str = "w.yaml") -> Toy:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_model(path, Toy)


def problems(tmp_path: Path, text: str, name: str = "w.yaml") -> list[str]:
    with pytest.raises(WorldConfigError) as info:
        load_text(tmp_path, text, name)
    err = info.value
    assert isinstance(err, AlifeError)
    assert str(err) == "\n".join(err.problems)
    return err.problems


def test_good_file_loads(tmp_path):
    toy = load_text(tmp_path, GOOD)
    assert toy.seed == 3 and toy.species[1].brain.width == 16
    assert isinstance(toy.obstacles[1], Rect)


def test_anchors_aliases_and_merge_keys_are_fine(tmp_path):
    text = (
        "species:\n"
        "  - &base {name: a, brain: &b {width: 4}}\n"
        "  - <<: *base\n"
        "    name: b\n"
        "extras: {x: *b}\n"
    )
    toy = load_text(tmp_path, text)
    assert toy.species[1].brain.width == 4 and toy.extras["x"].width == 4


def test_wrong_value_deep_in_a_list_exact_position(tmp_path):
    text = GOOD.replace("width: 16", "width: 48")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:7:14: species[1].brain.width: must be a power of two, got 48"
    ]


def test_path_in_message_is_the_path_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "worlds").mkdir()
    Path("worlds/x.yaml").write_text(GOOD.replace("count: 2", "count: 0"), encoding="utf-8")
    with pytest.raises(WorldConfigError) as info:
        load_model("worlds/x.yaml", Toy)
    assert info.value.problems == [
        "worlds/x.yaml:4:12: species[0].count: should be greater than or equal to 1 (got 0)"
    ]


def test_unknown_key_points_at_key_with_did_you_mean(tmp_path):
    text = GOOD.replace("      depth: 2", "      dpeth: 2")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:8:7: species[1].brain.dpeth: unknown key, did you mean 'depth'?"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "species: [{name: a}]\ncue: {widht: 4}\n",
            "2:7: cue.widht: unknown key, did you mean 'width'?",
        ),
        (
            "species: [{name: a}]\nextras:\n  one: {depht: 2}\n",
            "3:9: extras.one.depht: unknown key, did you mean 'depth'?",
        ),
        (
            "species: [{name: a}]\nobstacles:\n  - {kind: circle, radus: 1}\n",
            "3:20: obstacles[0].radus: unknown key, did you mean 'radius'? (as circle)",
        ),
        ("Seed: 1\nspecies: [{name: a}]\n", "1:1: Seed: unknown key, did you mean 'seed'?"),
    ],
)
def test_did_you_mean_through_optional_dict_and_union(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert f"{tmp_path / 'w.yaml'}:{expected}" in found


def test_unknown_key_without_close_match_lists_valid_keys(tmp_path):
    (line,) = problems(tmp_path, "species: [{name: a, zzzzzz: 1}]\n")
    assert line.endswith("species[0].zzzzzz: unknown key (valid keys here: brain, count, name)")
    assert ":1:21:" in line


def test_missing_key_points_at_parent_mapping(tmp_path):
    text = GOOD.replace("  - name: b\n    brain:", "  - brain:")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:5:5: species[1].name: required key is missing"
    ]


def test_missing_top_level_key(tmp_path):
    assert problems(tmp_path, "# a comment\nseed: 1\n") == [
        f"{tmp_path / 'w.yaml'}:2:1: species: required key is missing"
    ]


def test_wrong_type_reports_what_was_given(tmp_path):
    found = problems(tmp_path, "species: [{name: a, count: [1, 2]}]\nseed: abc\n")
    assert found[0].endswith("species[0].count: should be a valid integer (got a list of 2 items)")
    assert found[1].endswith(
        ":2:7: seed: should be a valid integer, unable to parse string as an integer (got 'abc')"
    )


def test_literal_and_discriminator_did_you_mean(tmp_path):
    text = "mode: sgn\nspecies: [{name: a}]\nobstacles:\n  - {kind: circel, radius: 1}\n"
    found = problems(tmp_path, text)
    assert found[0].endswith(
        ":1:7: mode: should be 'sign' or 'reservoir' (got 'sgn'); did you mean 'sign'?"
    )
    assert found[1].endswith(
        ":4:12: obstacles[0].kind: unknown kind 'circel', expected one of circle, rect; "
        "did you mean 'circle'?"
    )


def test_model_validator_message_with_key_path_is_located(tmp_path):
    text = "species:\n  - name: a\n  - name: a\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:3:11: species[1].name: duplicate species name 'a'"
    ]


def test_syntax_error_has_line_and_column(tmp_path):
    (line,) = problems(tmp_path, "seed: 1\nspecies:\n  - name: a\n    count: : 3\n  - [\n")
    assert re.match(rf"{re.escape(str(tmp_path / 'w.yaml'))}:\d+:\d+: YAML syntax error: ", line)
    (line,) = problems(tmp_path, "seed: 1\nspecies: [{name: a}\nmode: sign\n")
    assert ":3:5: YAML syntax error:" in line or ":3:1: YAML syntax error:" in line


def test_unclosed_quote_and_bad_indent_positions(tmp_path):
    (line,) = problems(tmp_path, "seed: 1\nspecies:\n  - name: a\n   count: 2\n")
    assert line.startswith(f"{tmp_path / 'w.yaml'}:4:") and "YAML syntax error" in line
    (line,) = problems(tmp_path, "species:\n\t- name: a\n")
    assert ":2:1: YAML syntax error" in line and "not tabs" in line


def test_duplicate_key_is_an_error(tmp_path):
    text = "seed: 1\nspecies:\n  - name: a\n    count: 2\n    count: 3\nseed: 2\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:5:5: duplicate key 'count' (first defined at line 4; "
        "YAML would silently keep only the last one)",
        f"{tmp_path / 'w.yaml'}:6:1: duplicate key 'seed' (first defined at line 1; "
        "YAML would silently keep only the last one)",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    (line,) = problems(tmp_path, text)
    assert line.startswith(f"{tmp_path / 'w.yaml'}:1:1: the file is empty")


@pytest.mark.parametrize(
    "text, what", [("- a\n- b\n", "got a list"), ("42\n", "got a single value 42")]
)
def test_top_level_not_a_mapping(tmp_path, text, what):
    (line,) = problems(tmp_path, text)
    assert line.startswith(f"{tmp_path / 'w.yaml'}:1:1: the top level must be a mapping")
    assert line.endswith(what)


def test_two_documents_are_an_error(tmp_path):
    (line,) = problems(tmp_path, "species: [{name: a}]\n---\nseed: 1\n")
    assert ":2:1: YAML syntax error: " in line and "single document" in line


def test_unsafe_tags_and_bad_values_are_located(tmp_path):
    (line,) = problems(tmp_path, "species: [{name: a}]\nseed: !!python/object:os.system x\n")
    assert ":2:7: YAML syntax error:" in line and "python/object" in line
    (line,) = problems(tmp_path, "species: [{name: a}]\nseed: 2026-13-45\n")
    assert line.endswith(
        ":2:7: seed: 2026-13-45 looks like a date but is not a valid one (month must be in "
        "1..12); put it in quotes if it is meant as text"
    )


def test_recursive_alias_and_alias_bomb(tmp_path):
    (line,) = problems(tmp_path, "species: &a [*a]\n")
    assert "recursive alias" in line and line.startswith(f"{tmp_path / 'w.yaml'}:1:")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        bomb += f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + prev] * 10)}]\n"
    (line,) = problems(tmp_path, bomb)
    assert "aliases expand to more than" in line


@pytest.mark.parametrize(
    "value, shown", [(".nan", ".nan"), ("-.inf", "-.inf"), (".Inf", ".inf"), ("1e400", "'1e400'")]
)
def test_non_finite_numbers_are_rejected(tmp_path, value, shown):
    text = f"species: [{{name: a}}]\nspeed: {value}\nextras: {{b: {{width: 4}}}}\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'w.yaml'}:2:8: speed: should be a finite number (got {shown})"
    ]


def test_file_not_found_directory_and_not_utf8(tmp_path):
    with pytest.raises(WorldConfigError, match=r"nope\.yaml: file not found$"):
        load_model(tmp_path / "nope.yaml", Toy)
    with pytest.raises(WorldConfigError, match="is a directory"):
        load_model(tmp_path, Toy)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("seed: 1\nspecies: [{name: caf\xe9}]\n".encode("latin-1"))
    with pytest.raises(WorldConfigError) as info:
        load_model(bad, Toy)
    assert info.value.problems == [f"{bad}:2:21: the file is not UTF-8 text (byte 0xe9)"]
    bad.write_bytes(b"# \xc3\xa9\nseed: 1\nname: '\xc3\xa9\xff'\n")  # column counts characters
    with pytest.raises(WorldConfigError) as info:
        load_model(bad, Toy)
    assert info.value.problems == [f"{bad}:3:9: the file is not UTF-8 text (byte 0xff)"]


def test_control_character_is_located(tmp_path):
    (line,) = problems(tmp_path, "seed: 1\nspecies: [{name: a\x07}]\n")
    assert ":2:19: character '\\x07' is not allowed" in line


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_model(path, Toy).seed == 3


def test_the_file_is_never_modified(tmp_path):
    path = tmp_path / "w.yaml"
    text = GOOD.replace("width: 16", "width: 48") + "junk: [\n"
    path.write_text(text, encoding="utf-8")
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    with pytest.raises(WorldConfigError):
        load_model(path, Toy)
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_parse_model_matches_safe_load_semantics():
    for path in WORLDS:
        text = path.read_text(encoding="utf-8")
        assert parse(text).data == yaml.safe_load(text)
    assert parse_model(GOOD, Toy, "<mem>").species[0].count == 2
    with pytest.raises(WorldConfigError, match=r"^<mem>:1:1: "):
        parse_model("seed: 1\n", Toy, "<mem>")


def test_valid_keys_walks_models_lists_dicts_and_unions():
    assert valid_keys(Toy, ("species", 3, "brain")) == ["depth", "width"]
    assert valid_keys(Toy, ("extras", "anything")) == ["depth", "width"]
    assert valid_keys(Toy, ("cue",)) == ["depth", "width"]
    assert valid_keys(Toy, ("obstacles", 0, "rect")) == ["kind", "width"]
    assert valid_keys(Toy, ("obstacles", 0)) == ["kind", "radius", "width"]
    assert valid_keys(Toy, ("seed",)) == []
    assert suggest("Radious", ["radius", "range"]) == "radius"
    assert suggest("qqq", ["radius"]) is None


# --- the real world files ------------------------------------------------------------------


@pytest.mark.parametrize("path", WORLDS, ids=[p.name for p in WORLDS])
def test_shipped_worlds_load(path):
    cfg = load_world(path)
    assert cfg.species, path


def test_shipped_world_typo_gets_did_you_mean(tmp_path):
    src = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if re.match(r"\s+depth:", line))
    col = len(lines[idx]) - len(lines[idx].lstrip()) + 1
    lines[idx] = lines[idx].replace("depth:", "dpeth:", 1)
    path = tmp_path / "foraging.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(WorldConfigError) as info:
        load_world(path)
    (line,) = info.value.problems
    assert line.startswith(f"{path}:{idx + 1}:{col}: species[0].brain.dpeth: unknown key")
    assert line.endswith("did you mean 'depth'?")
