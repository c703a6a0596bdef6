"""World engine: struct-of-arrays arenas, spatial grid, sensors, physics, tick loop, scoring."""

from alife.world.controller import Controller, ControllerFactory, ControllerState
from alife.world.engine import World, make_controller
from alife.world.snapshot import AgentView, Snapshot

__all__ = [
    "AgentView",
    "Controller",
    "ControllerFactory",
    "ControllerState",
    "Snapshot",
    "World",
    "make_controller",
]
