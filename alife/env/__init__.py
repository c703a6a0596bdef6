"""Worlds as environments for other learners (`pip install ".[env]"` for the last two):

- `BatchEnv` (alife.env.batch): the core, arrays in and out, no extra packages;
- `WorldParallelEnv` (alife.env.parallel): a PettingZoo ParallelEnv, every agent of the
  learner species acting each tick;
- `WorldSingleAgentEnv` (alife.env.single): a Gymnasium Env driving one agent, registered as
  "alife/World-v0".
"""

from __future__ import annotations

from alife.env.batch import BatchEnv
from alife.errors import EnvError

_EXTRAS = {"WorldParallelEnv": "alife.env.parallel", "WorldSingleAgentEnv": "alife.env.single"}

__all__ = ["BatchEnv", "WorldParallelEnv", "WorldSingleAgentEnv"]
GYM_ID = "alife/World-v0"

try:
    import gymnasium
except ImportError:  # the extra is not installed: BatchEnv still works
    pass
else:
    if GYM_ID not in gymnasium.registry:
        gymnasium.register(GYM_ID, entry_point="alife.env.single:WorldSingleAgentEnv")


def __getattr__(name: str):
    """The PettingZoo and Gymnasium envs, imported when first asked for."""
    if name not in _EXTRAS:
        raise AttributeError(f"module 'alife.env' has no attribute '{name}'")
    import importlib

    try:
        module = importlib.import_module(_EXTRAS[name])
    except ImportError as err:
        raise EnvError(
            f"alife.env.{name} needs PettingZoo and Gymnasium: pip install \".[env]\" ({err})"
        ) from None
    return getattr(module, name)
