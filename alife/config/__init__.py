"""World-file configuration: pydantic models (models.py) and YAML loading with line numbers.

`load_world(path)` returns the validated, frozen `WorldConfig`; every problem raises
`alife.errors.WorldConfigError` with `FILE:LINE:COL: key.path: message` lines (`.problems`).
`WorldConfig` itself is importable from here too (loaded on first use).
"""

from alife.config.loader import load_model, load_world, parse_model

__all__ = ["WorldConfig", "load_model", "load_world", "parse_model"]


def __getattr__(name: str):
    if name == "WorldConfig":  # lazy: models.py imports alife.config.base from this package
        from alife.config.models import WorldConfig

        return WorldConfig
    raise AttributeError(f"module 'alife.config' has no attribute {name!r}")
