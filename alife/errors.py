"""One exception hierarchy: every failure a user can cause is an `AlifeError`.

The CLI catches `AlifeError` and prints its message (no traceback); anything else is a bug.
"""


class AlifeError(Exception):
    """Base class of every user-facing error."""


class WorldConfigError(AlifeError):
    """A world file is unreadable or invalid; the message has file:line:column and key path."""


class CheckpointError(AlifeError):
    """A checkpoint or run directory is missing, corrupt, foreign or does not match its world."""


class WorldError(AlifeError):
    """A World was given something it cannot run: genomes of the wrong shape, unknown arenas,
    a saved world state that does not fit its world file, a controller that does not fit."""


class DisplayError(AlifeError):
    """No display is available for the interactive window."""


class BackendError(AlifeError):
    """An evaluation backend could not start or a worker failed."""


class ExperimentError(AlifeError):
    """An experiment was asked for something it cannot do (unknown name, bad output folder)."""


class WorldStateError(WorldError, CheckpointError):
    """Saved World state arrays that a World of its config cannot hold (out-of-range index,
    non-finite value, wrong shape): an error of the world state and of the checkpoint or
    snapshot that held it."""
