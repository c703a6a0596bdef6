"""Base class for every world-file model: strict (unknown keys, NaN and inf are errors), frozen."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A validated, immutable configuration block; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
