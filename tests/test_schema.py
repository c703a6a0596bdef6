"""The generated world-file JSON Schema (alife/config/schema.py, assets/world.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from alife.cli import main
from alife.config.schema import (
    DEFAULT_SCHEMA_PATH,
    MODELINE,
    REGENERATE_HINT,
    SCHEMA_DIALECT,
    schema_is_current,
    schema_text,
    world_schema,
)

ROOT = Path(__file__).resolve().parent.parent
WORLDS = sorted((ROOT / "worlds").glob("*.yaml"))


def test_committed_schema_is_current():
    assert DEFAULT_SCHEMA_PATH == ROOT / "assets" / "world.schema.json"
    assert DEFAULT_SCHEMA_PATH.exists(), f"assets/world.schema.json is missing: {REGENERATE_HINT}"
    committed = DEFAULT_SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema_text(), f"assets/world.schema.json is stale: {REGENERATE_HINT}"


def test_schema_text_is_stable_and_well_formed():
    text = schema_text()
    assert text == schema_text()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    data = json.loads(text)
    assert json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text
    assert data["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert data["title"] and data["type"] == "object"
    assert data["additionalProperties"] is False  # unknown top-level keys are flagged in editors
    assert "species" in data["required"] and "species" in data["properties"]


@pytest.mark.parametrize("path", WORLDS, ids=[p.name for p in WORLDS])
def test_every_world_starts_with_the_schema_modeline(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE, f"{path.name} must start with the line: {MODELINE}"
    target = (path.parent / MODELINE.split("$schema=", 1)[1]).resolve()
    assert target == DEFAULT_SCHEMA_PATH


def test_shipped_worlds_validate_against_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(world_schema())
    for path in WORLDS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{path.name}: {errors}"
    bad = yaml.safe_load(WORLDS[0].read_text(encoding="utf-8"))
    bad["no_such_key"] = 1
    assert not validator.is_valid(bad)


def test_schema_command_writes_and_checks(tmp_path, capsys):
    out = tmp_path / "sub" / "world.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert schema_is_current(out)
    assert main(["schema", "--check", "--out", str(out)]) == 0
    out.write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--check", "--out", str(out)]) == 1
    assert "python run.py schema" in capsys.readouterr().out
    assert not schema_is_current(tmp_path / "missing.json")
