"""A World's static tables: per-species, per-sensor and per-item parameters, obstacles, grid.

Built once from a validated WorldConfig (`build_tables`); kernels never see pydantic objects,
only these NamedTuples of arrays (indexed by species number or item kind) and scalars. Tables of
arrays only (SpeciesTables, SensorTables, ItemTables, Obstacles) can be used inside a parallel
loop; WorldTables, which also holds scalars, is unpacked before one.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from alife.config.models import WorldConfig
from alife.jit import kernel_tuple
from alife.world.grid import GridSpec, grid_spec
from alife.world.sensors import ray_angles


@kernel_tuple
class SpeciesTables(NamedTuple):
    """Body, energy, diet and spawn parameters, (S,) or (S, k) arrays indexed by species."""

    radius: np.ndarray  # float64 (S,)
    max_speed: np.ndarray
    reverse: np.ndarray
    max_turn: np.ndarray  # radians per tick
    collide: np.ndarray  # bool
    max_energy: np.ndarray
    initial_energy: np.ndarray
    base_cost: np.ndarray
    move_cost: np.ndarray
    brain_cost: np.ndarray  # per tick, for the species' genome size
    max_age: np.ndarray  # int64, 0 = never
    eat: np.ndarray  # (S, 2) bool: eats food / poison
    pred: np.ndarray  # (S, S) bool: pred[a, b] = species a eats species b
    is_prey: np.ndarray  # bool
    prey_frac: np.ndarray
    area: np.ndarray  # (S, 4) spawn box x0, y0, x1, y1
    heading: np.ndarray  # radians
    random_heading: np.ndarray  # bool
    signal: np.ndarray  # bool: motors 2..4 are an emitted colour


@kernel_tuple
class SensorTables(NamedTuple):
    """What each species senses, (S,) or (S, k) arrays indexed by species.

    ray_ct, ray_st (S, R) float64: cos / sin of each ray's angle relative to the heading (R =
    most rays of any species; n_rays (S,) are used). Ray channels: class c of species s is
    channel c in 0..n_cls[s]-1; ch_wall (S,) is the walls' channel (-1 = unseen) and ch_tag
    (S, S + 2) the channel of each object tag (species..., food, poison), whose disc radius is
    rad_tag (S + 2,). see_radius (S,): largest radius of a seen tag; see_any (S,): any tag seen;
    cull (S,): the field of view is convex (within 90 degrees of the heading either way)."""

    ray_ct: np.ndarray
    ray_st: np.ndarray
    n_rays: np.ndarray  # int64
    srange: np.ndarray
    n_cls: np.ndarray  # int64
    ch_wall: np.ndarray  # int64
    ch_tag: np.ndarray  # int64 (S, S + 2)
    rad_tag: np.ndarray  # float64 (S + 2,)
    see_radius: np.ndarray
    see_any: np.ndarray  # bool
    cull: np.ndarray  # bool
    energy: np.ndarray  # bool: an input with own energy / max energy
    speed: np.ndarray  # bool: own speed / max speed
    clock: np.ndarray  # bool: sin and cos of the clock
    clock_period: np.ndarray  # int64
    cue: np.ndarray  # bool: the two cue lights
    taste: np.ndarray  # bool: the two taste inputs
    dawn: np.ndarray  # int64: ticks the dawn input shows which look nourishes (0: no input)
    n_sensors: np.ndarray  # int64
    max_speed: np.ndarray
    max_energy: np.ndarray


@kernel_tuple
class ItemTables(NamedTuple):
    """Per item kind (food, poison): radius, energy, regrowth chance, seasons, patch layout (2,)
    arrays; patch_r_of (P,) the radius of each of the P patch centres of an arena; swap (1,) the
    chance per episode and arena that the kinds trade roles (energy[0] and the food score then
    go with kind 1). A kind's regrowth chance at tick t is
    regrow * (1 + season_amp * sin(2 pi t / season_period)), or just regrow when season_period
    is 0 (no seasons)."""

    radius: np.ndarray
    energy: np.ndarray
    regrow: np.ndarray
    season_period: np.ndarray  # int64, 0 = no seasons
    season_amp: np.ndarray
    patch_off: np.ndarray  # int64
    patch_n: np.ndarray  # int64
    patch_r: np.ndarray
    patch_r_of: np.ndarray
    swap: np.ndarray


@kernel_tuple
class Obstacles(NamedTuple):
    """circles (nc, 3) [x, y, r] and rects (nr, 4) [x0, y0, x1, y1], float64."""

    circles: np.ndarray
    rects: np.ndarray


@kernel_tuple
class WorldTables(NamedTuple):
    """Everything static about a world, built once by build_tables.

    goals (2, 2) float64: the cue goals (zeros without a cue). reach_collide: how far a touching
    neighbour's grid position can be from an agent's proposed one (two bodies plus one move);
    reach_catch: the same for catches (two bodies, a move and the pushes since the grid)."""

    species: SpeciesTables
    sensors: SensorTables
    items: ItemTables
    obstacles: Obstacles
    grid: GridSpec
    goals: np.ndarray
    reach_collide: float
    reach_catch: float


def build_tables(config: WorldConfig, n_params: list[int]) -> WorldTables:
    """The tables of a world; n_params[s] is species s's genome size (for the brain cost)."""
    species = _species_tables(config, n_params)
    a = config.arena
    r_max = float(species.radius.max())
    v_max = float(species.max_speed.max())
    margin = 2.0 * v_max + 2.0 * r_max  # a move plus pushes since the grid was built
    cue = config.cue
    return WorldTables(
        species=species,
        sensors=_sensor_tables(config),
        items=_item_tables(config),
        obstacles=_obstacles(config),
        grid=grid_spec(a.width, a.height, cell_min(config), a.boundary == "wrap"),
        goals=np.array(cue.goals if cue else [(0.0, 0.0)] * 2, dtype=np.float64),
        reach_collide=2.0 * r_max + v_max,
        reach_catch=2.0 * r_max + margin,
    )


def _obstacles(config: WorldConfig) -> Obstacles:
    circles = np.array(
        [[c.x, c.y, c.radius] for c in config.obstacles.circles], dtype=np.float64
    ).reshape(-1, 3)
    rects = np.array(
        [[r.x, r.y, r.x + r.width, r.y + r.height] for r in config.obstacles.rects],
        dtype=np.float64,
    ).reshape(-1, 4)
    return Obstacles(circles, rects)


def _species_tables(config: WorldConfig, n_params: list[int]) -> SpeciesTables:
    sp = config.species
    names = config.species_names
    n = len(sp)
    w, h = config.arena.width, config.arena.height

    def arr(values, dtype=np.float64):
        return np.array(values, dtype=dtype)

    pred = np.array([[name in s.eats for name in names] for s in sp], dtype=np.bool_)
    area = [s.spawn.area if s.spawn.area is not None else (0.0, 0.0, w, h) for s in sp]
    return SpeciesTables(
        radius=arr([s.body.radius for s in sp]),
        max_speed=arr([s.body.max_speed for s in sp]),
        reverse=arr([s.body.reverse for s in sp]),
        max_turn=arr([math.radians(s.body.max_turn) for s in sp]),
        collide=arr([s.body.collide for s in sp], np.bool_),
        max_energy=arr([s.energy.max for s in sp]),
        initial_energy=arr([s.energy.initial for s in sp]),
        base_cost=arr([s.energy.base_cost for s in sp]),
        move_cost=arr([s.energy.move_cost for s in sp]),
        brain_cost=arr(
            [s.energy.brain_cost * p / 1000.0 for s, p in zip(sp, n_params, strict=True)]
        ),
        max_age=arr([s.energy.max_age for s in sp], np.int64),
        eat=arr([["food" in s.eats, "poison" in s.eats] for s in sp], np.bool_).reshape(n, 2),
        pred=pred.reshape(n, n),
        is_prey=pred.reshape(n, n).any(axis=0),
        prey_frac=arr([s.prey_energy for s in sp]),
        area=arr(area).reshape(n, 4),
        heading=arr([math.radians(s.spawn.heading or 0.0) for s in sp]),
        random_heading=arr([s.spawn.heading is None for s in sp], np.bool_),
        signal=arr([s.signal for s in sp], np.bool_),
    )


def _sensor_tables(config: WorldConfig) -> SensorTables:
    sp = config.species
    names = config.species_names
    n = len(sp)
    n_rays = np.array([s.sensors.rays for s in sp], dtype=np.int64)
    ray_ct = np.zeros((n, int(n_rays.max())))
    ray_st = np.zeros_like(ray_ct)
    ch_tag = np.full((n, n + 2), -1, dtype=np.int64)
    ch_wall = np.full(n, -1, dtype=np.int64)
    for a, s in enumerate(sp):
        ang = ray_angles(s.sensors.rays, s.sensors.fov)
        ray_ct[a, : ang.size] = np.cos(ang)
        ray_st[a, : ang.size] = np.sin(ang)
        sees = s.sensors.sees
        for b, name in enumerate(names):
            if name in sees:
                ch_tag[a, b] = sees.index(name)
            elif "agent" in sees:
                ch_tag[a, b] = sees.index("agent")
        for t, cls in ((n, "food"), (n + 1, "poison")):
            ch_tag[a, t] = sees.index(cls) if cls in sees else -1
        ch_wall[a] = sees.index("wall") if "wall" in sees else -1
    rad_tag = np.array(
        [s.body.radius for s in sp] + [config.food.radius, config.poison.radius], dtype=np.float64
    )
    seen = ch_tag >= 0
    last = n_rays - 1
    ca, sa = ray_ct[np.arange(n), last], ray_st[np.arange(n), last]
    return SensorTables(
        ray_ct=ray_ct,
        ray_st=ray_st,
        n_rays=n_rays,
        srange=np.array([s.sensors.range for s in sp], dtype=np.float64),
        n_cls=np.array([len(s.sensors.sees) for s in sp], dtype=np.int64),
        ch_wall=ch_wall,
        ch_tag=ch_tag,
        rad_tag=rad_tag,
        see_radius=np.where(seen, rad_tag[None, :], 0.0).max(axis=1),
        see_any=seen.any(axis=1),
        cull=(ca >= 0.0) & (sa >= 0.0),
        energy=np.array([s.sensors.energy for s in sp], dtype=np.bool_),
        speed=np.array([s.sensors.speed for s in sp], dtype=np.bool_),
        clock=np.array([s.sensors.clock for s in sp], dtype=np.bool_),
        clock_period=np.array([s.sensors.clock_period for s in sp], dtype=np.int64),
        cue=np.array([s.sensors.cue for s in sp], dtype=np.bool_),
        taste=np.array([s.sensors.taste for s in sp], dtype=np.bool_),
        dawn=np.array([s.sensors.dawn for s in sp], dtype=np.int64),
        n_sensors=np.array([s.n_sensors for s in sp], dtype=np.int64),
        max_speed=np.array([s.body.max_speed for s in sp], dtype=np.float64),
        max_energy=np.array([s.energy.max for s in sp], dtype=np.float64),
    )


def _item_tables(config: WorldConfig) -> ItemTables:
    kinds = [config.food, config.poison]
    patch_n = [k.patches.count if k.patches else 0 for k in kinds]
    patch_r = [k.patches.radius if k.patches else 0.0 for k in kinds]
    patch_r_of = np.zeros(max(1, sum(patch_n)))
    patch_r_of[: patch_n[0]] = patch_r[0]
    patch_r_of[patch_n[0] : patch_n[0] + patch_n[1]] = patch_r[1]
    return ItemTables(
        radius=np.array([k.radius for k in kinds], dtype=np.float64),
        energy=np.array([k.energy for k in kinds], dtype=np.float64),
        regrow=np.array([k.regrowth for k in kinds], dtype=np.float64),
        season_period=np.array([k.seasons.period if k.seasons else 0 for k in kinds], np.int64),
        season_amp=np.array([k.seasons.amplitude if k.seasons else 0.0 for k in kinds]),
        patch_off=np.array([0, patch_n[0]], dtype=np.int64),
        patch_n=np.array(patch_n, dtype=np.int64),
        patch_r=np.array(patch_r, dtype=np.float64),
        patch_r_of=patch_r_of,
        swap=np.array([config.swap], dtype=np.float64),
    )


def cell_min(config: WorldConfig) -> float:
    """Grid cell size: about half the longest sensor range (a field of view then spans ~3 x 4
    cells, measured fastest) and at least one contact distance (contact queries then visit at
    most 2 x 2 or 3 x 3 cells). Any size is correct: queries visit every cell they overlap."""
    r_max = max(s.body.radius for s in config.species)
    v_max = max(s.body.max_speed for s in config.species)
    item_r = max(config.food.radius, config.poison.radius)
    contact = 2.0 * r_max + v_max + item_r
    sight = 0.5 * max(s.sensors.range for s in config.species)
    return max(contact, sight)
