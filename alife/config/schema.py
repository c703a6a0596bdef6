"""JSON Schema of a world file, generated from the pydantic models (assets/world.schema.json).

Editors with the YAML language server read the `# yaml-language-server: $schema=...` line at the
top of every worlds/*.yaml and use this schema for completion and live validation. The text is
deterministic (sorted keys, indent 2, trailing newline) so a test can tell when the committed
file is stale: regenerate it with `python run.py schema`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_TITLE = "alife world file"
DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "assets" / "world.schema.json"
MODELINE = "# yaml-language-server: $schema=../assets/world.schema.json"
REGENERATE_HINT = "run `python run.py schema` to regenerate assets/world.schema.json"


def world_schema(model_cls: type[BaseModel] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `model_cls` (default: the world file model)."""
    if model_cls is None:
        from alife.config.models import WorldConfig

        model_cls = WorldConfig
    schema = model_cls.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = SCHEMA_TITLE
    schema.setdefault(
        "description", "A world for the alife lab (see worlds/*.yaml for commented examples)."
    )
    return schema


def schema_text(model_cls: type[BaseModel] | None = None) -> str:
    """The schema as stable JSON text: indent 2, sorted keys, trailing newline."""
    schema = world_schema(model_cls)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_schema(path: str | Path = DEFAULT_SCHEMA_PATH, text: str | None = None) -> Path:
    """Write the schema to `path` atomically (temp file + rename); returns the path."""
    path = Path(path)
    text = schema_text() if text is None else text
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def schema_is_current(path: str | Path = DEFAULT_SCHEMA_PATH) -> bool:
    """True if the file at `path` equals the schema the models generate now."""
    try:
        return Path(path).read_text(encoding="utf-8") == schema_text()
    except OSError:
        return False
