"""World-file configuration: pydantic models (models.py) and YAML loading with line numbers.

`load_world(path)` returns the validated, frozen `WorldConfig`; every problem raises
`alife.errors.WorldConfigError` with `FILE:LINE:COL: key.path: message` lines (`.problems`).
"""

from alife.config.loader import load_model, load_world, parse_model

__all__ = ["load_model", "load_world", "parse_model"]
