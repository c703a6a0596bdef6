"""Flat per-species and per-item parameter tables the kernels index (evosax-style "params").

Built once from a validated WorldConfig: kernels never see pydantic objects, only these arrays
(indexed by species number or item kind) and scalars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alife.config.models import WorldConfig

KIND_FOOD = 0
KIND_POISON = 1


def obstacle_arrays(config: WorldConfig) -> tuple[np.ndarray, np.ndarray]:
    """circles (nc, 3) [x, y, r] and rects (nr, 4) [x0, y0, x1, y1], float64."""
    circles = np.array(
        [[c.x, c.y, c.radius] for c in config.obstacles.circles], dtype=np.float64
    ).reshape(-1, 3)
    rects = np.array(
        [[r.x, r.y, r.x + r.width, r.y + r.height] for r in config.obstacles.rects],
        dtype=np.float64,
    ).reshape(-1, 4)
    return circles, rects


@dataclass
class SpeciesTables:
    """Arrays (S,) or (S, k) of per-species parameters; see build_tables."""

    radius: np.ndarray
    max_speed: np.ndarray
    reverse: np.ndarray
    max_turn: np.ndarray
    collide: np.ndarray
    max_energy: np.ndarray
    initial_energy: np.ndarray
    base_cost: np.ndarray
    move_cost: np.ndarray
    brain_cost: np.ndarray
    max_age: np.ndarray
    eat: np.ndarray  # (S, 2) bool: eats food / poison
    pred: np.ndarray  # (S, S) bool: pred[a, b] = species a eats species b
    is_prey: np.ndarray
    prey_frac: np.ndarray
    area: np.ndarray  # (S, 4)
    heading: np.ndarray
    random_heading: np.ndarray
    ch_wall: np.ndarray  # (S,) channel of class "wall" in species s's rays, -1 = unseen
    ch_food: np.ndarray
    ch_poison: np.ndarray
    ch_agent: np.ndarray  # (S, S): channel in which species s sees species t, -1 = unseen
    ch_tag: np.ndarray  # (S, S + 2): channel per object tag (species..., food, poison)
    rad_tag: np.ndarray  # (S + 2,): disc radius per object tag
    n_classes: np.ndarray
    signal: np.ndarray


def build_tables(config: WorldConfig, n_params: list[int]) -> SpeciesTables:
    """Species tables; n_params[s] is species s's genome size (for the brain cost)."""
    t = _species_tables(config, n_params)
    food = np.stack([t.ch_food, t.ch_poison], axis=1)
    t.ch_tag = np.ascontiguousarray(np.concatenate([t.ch_agent, food], axis=1))
    t.rad_tag = np.concatenate([t.radius, [config.food.radius, config.poison.radius]])
    return t


def _species_tables(config: WorldConfig, n_params: list[int]) -> SpeciesTables:
    """The per-species arrays (ch_tag and rad_tag are filled in by build_tables)."""
    sp = config.species
    names = config.species_names
    n = len(sp)
    w, h = config.arena.width, config.arena.height

    def arr(values, dtype=np.float64):
        return np.array(values, dtype=dtype)

    pred = np.zeros((n, n), dtype=np.bool_)
    ch_agent = np.full((n, n), -1, dtype=np.int64)
    chans = {"wall": [], "food": [], "poison": []}
    for a, s in enumerate(sp):
        for b, name in enumerate(names):
            pred[a, b] = name in s.eats
        sees = s.sensors.sees
        for cls, lst in chans.items():
            lst.append(sees.index(cls) if cls in sees else -1)
        for b, name in enumerate(names):
            if name in sees:
                ch_agent[a, b] = sees.index(name)
            elif "agent" in sees:
                ch_agent[a, b] = sees.index("agent")
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
        pred=pred,
        is_prey=pred.any(axis=0),
        prey_frac=arr([s.prey_energy for s in sp]),
        area=arr(area).reshape(n, 4),
        heading=arr([math.radians(s.spawn.heading or 0.0) for s in sp]),
        random_heading=arr([s.spawn.heading is None for s in sp], np.bool_),
        ch_wall=arr(chans["wall"], np.int64),
        ch_food=arr(chans["food"], np.int64),
        ch_poison=arr(chans["poison"], np.int64),
        ch_agent=ch_agent,
        ch_tag=ch_agent,
        rad_tag=np.zeros(0),
        n_classes=arr([len(s.sensors.sees) for s in sp], np.int64),
        signal=arr([s.signal for s in sp], np.bool_),
    )


@dataclass
class ItemTables:
    """Per item kind (food, poison): radius, energy, regrowth chance, patch layout (2,)."""

    radius: np.ndarray
    energy: np.ndarray
    regrow: np.ndarray
    patch_off: np.ndarray
    patch_n: np.ndarray
    patch_r: np.ndarray
    patch_total: int


def build_items(config: WorldConfig) -> ItemTables:
    kinds = [config.food, config.poison]
    patch_n = [k.patches.count if k.patches else 0 for k in kinds]
    return ItemTables(
        radius=np.array([k.radius for k in kinds], dtype=np.float64),
        energy=np.array([k.energy for k in kinds], dtype=np.float64),
        regrow=np.array([k.regrowth for k in kinds], dtype=np.float64),
        patch_off=np.array([0, patch_n[0]], dtype=np.int64),
        patch_n=np.array(patch_n, dtype=np.int64),
        patch_r=np.array([k.patches.radius if k.patches else 0.0 for k in kinds]),
        patch_total=max(1, sum(patch_n)),
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
