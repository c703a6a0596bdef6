"""Read-only views of a World: Snapshot (drawing, stats) and AgentView (the inspector).

Both hold copies, so the renderer can never change engine state. AgentView comes from the
controller's `trace` on the agent's current sensor inputs: it shows what the brain computes
on its next step (switch states, condensed map C with C @ inputs == raw output, memory).
"""

from __future__ import annotations

import numpy as np

from alife.errors import WorldError
from alife.world.controller import InspectableController
from alife.world.sensors import ray_angles
from alife.world.snapshot import AgentView, Snapshot


def _ro(a: np.ndarray, dtype=None) -> np.ndarray:
    out = np.array(a, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


def make_snapshot(world) -> Snapshot:
    """The state of every arena now; agent arrays list living agents only."""
    cols, items, cfg, sp = world.agents.used(), world.items, world.config, world.tables.species
    live = cols.alive
    act = items.factive
    cue = cfg.cue
    return Snapshot(
        tick=world.tick_count,
        generation=world.generation,
        arena_count=world.n_arenas,
        arena_size=(float(cfg.arena.width), float(cfg.arena.height)),
        x=_ro(cols.x[live], np.float32),
        y=_ro(cols.y[live], np.float32),
        heading=_ro(cols.heading[live], np.float32),
        radius=_ro(sp.radius[cols.species[live]], np.float32),
        energy=_ro(cols.energy[live], np.float32),
        max_energy=_ro(sp.max_energy[cols.species[live]], np.float32),
        age=_ro(cols.age[live], np.int32),
        ids=_ro(cols.ids[live], np.int64),
        parent_ids=_ro(cols.parent[live], np.int64),
        species=_ro(cols.species[live], np.int16),
        arena=_ro(cols.apos[live], np.int32),
        signal=_ro(cols.signal[live], np.float32),
        food_x=_ro(items.fx[act], np.float32),
        food_y=_ro(items.fy[act], np.float32),
        food_kind=_ro(items.fkind[act], np.int8),
        food_arena=_ro(items.farena[act], np.int32),
        cue_on=_ro(world.cue_on()),
        cue_side=_ro(
            (2 * world.cue_shown() - 1) if cue is not None else np.zeros(world.n_arenas),
            np.int8,
        ),
        population=int(live.sum()),
        food_count=int(act.sum()),
        births=world.totals["births"],
        deaths=world.totals["deaths"],
        eaten=world.totals["eaten"],
        done=_ro(cols.done[live]),
        tick_births=world.last["births"],
        tick_deaths=world.last["deaths"],
        tick_eaten=world.last["eaten"],
        swapped=_ro(world.arenas.swapped) if cfg.roles_can_swap else None,
    )


def make_agent_view(world, agent_id: int) -> AgentView | None:
    """The inspector's view of one agent, or None if no such agent is alive here. WorldError
    if its species' controller cannot be inspected (it has no trace)."""
    agents = world.agents
    row = agents.row_of(agent_id)
    if row is None or not agents["alive"][row]:
        return None
    cols = agents.used()
    s = agents.species_of_row(row)
    sp = world.config.species[s]
    ctrl = world.controllers[s]
    if not isinstance(ctrl, InspectableController):
        raise WorldError(f"species '{sp.name}': its controller cannot be inspected")
    srow = row - agents.span(s)[0]
    sensors = world.sense(s, np.array([row], dtype=np.int64))[0].copy()
    tr = ctrl.trace(agents.genomes[s][srow], agents.states[s], srow, sensors)
    mem = ctrl.memory is not None
    return AgentView(
        agent_id=int(agent_id),
        species=s,
        arena=int(cols.apos[row]),
        x=float(cols.x[row]),
        y=float(cols.y[row]),
        heading=float(cols.heading[row]),
        energy=float(cols.energy[row]),
        age=int(cols.age[row]),
        generation=int(cols.born_gen[row]),
        parent_id=int(cols.parent[row]),
        sensor_names=ctrl.input_names(world.sensor_names(s)),
        inputs=_ro(tr["inputs"], np.float32),
        motor_names=motor_names(sp),
        motors=_ro(tr["motors"], np.float32),
        switch_states=_ro(tr["switch_states"]),
        condensed=_ro(tr["condensed"], np.float32),
        memory=_ro(tr["memory"], np.float32) if mem else None,
        read_keys=_ro(tr["read_keys"], np.float32) if "read_keys" in tr else None,
        write_key=_ro(tr["write_key"], np.float32) if "write_key" in tr else None,
        write_value=_ro(tr["write_value"], np.float32) if mem else None,
        write_gate=float(tr["write_gate"]) if mem else None,
        ray_angles=_ro(ray_angles(sp.sensors.rays, sp.sensors.fov), np.float32),
        ray_range=float(sp.sensors.range),
        heads=tr["heads"],
        addressing=sp.memory.addressing if mem else "content",
    )


def motor_names(species_cfg) -> list[str]:
    names = ["turn", "thrust"]
    if species_cfg.signal:
        names += ["signal.r", "signal.g", "signal.b"]
    return names
