"""World engine: struct-of-arrays arenas, spatial grid, sensors, physics, tick loop, scoring."""

from alife.world.engine import World
from alife.world.snapshot import AgentView, Snapshot

__all__ = ["AgentView", "Snapshot", "World"]
