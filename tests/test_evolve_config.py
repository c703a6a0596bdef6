"""The `evolution:` section model: defaults, validation and the arena layout."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alife.config.evolution import EvolutionConfig


def test_defaults_are_valid_and_gray():
    e = EvolutionConfig()
    assert e.mode == "generational" and e.mutation.kind == "gray"
    assert e.selection.method == "tournament" and e.elitism >= 0
    assert e.layout([10]) == (8, [10])


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "steady"},
        {"generations": 0},
        {"mutaton": {}},
        {"mutation": {"kind": "cauchy"}},
        {"mutation": {"rate": 1.5}},
        {"selection": {"truncation": 0}},
        {"crossover": 2},
        {"population": 0},
        {"agents_per_arena": []},
        {"open_ended": {"min_population": 5, "max_population": 2}},
        {"open_ended": {"child_energy": 1.0}},
        {"episodes": 0},
        {"episodes": 1001},
    ],
)
def test_bad_values_are_rejected(data):
    with pytest.raises(ValidationError):
        EvolutionConfig.model_validate(data)


def test_layout_from_population_and_per_species_counts():
    e = EvolutionConfig.model_validate({"population": [40, 20], "agents_per_arena": [4, 2]})
    assert e.layout([1, 1]) == (10, [4, 2])
    e = EvolutionConfig.model_validate({"arenas": 3})
    assert e.layout([5, 2]) == (3, [5, 2])
    e = EvolutionConfig.model_validate({"arenas": 6, "agents_per_arena": 2})
    assert e.layout([5, 7]) == (6, [2, 2])


@pytest.mark.parametrize(
    "data, counts, match",
    [
        ({"population": 30, "agents_per_arena": 4}, [1], "not a multiple"),
        ({"population": [40, 40], "agents_per_arena": [4, 2]}, [1, 1], "same number of arenas"),
        ({"population": 40, "arenas": 3}, [4], "disagrees"),
        ({"agents_per_arena": [1, 2, 3]}, [1, 1], "3 entries"),
        ({"arenas": 1, "elitism": 5}, [5], "elitism"),
        ({"arenas": 1000, "episodes": 101}, [1], "arenas x episodes = 1000 x 101"),
    ],
)
def test_layout_errors_name_the_field(data, counts, match):
    with pytest.raises(ValueError, match=match):
        EvolutionConfig.model_validate(data).layout(counts)


def test_bad_episodes_in_a_world_file_is_located(tmp_path):
    from alife.config import load_world
    from alife.errors import WorldConfigError

    path = tmp_path / "w.yaml"
    path.write_text("name: w\nevolution:\n  arenas: 4\n  episodes: 0\n")
    with pytest.raises(WorldConfigError, match=r"w.yaml:4:.*episodes"):
        load_world(path)
