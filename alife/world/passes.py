"""The compiled passes of a tick, each one parallel region (or none) over all agents of all
arenas and species, so a tick's Python and dispatch cost does not grow with its stages.

sense_pass  build the object grid (serial), then the sensor inputs of every agent;
act_pass    act (motors -> proposed moves), then collide + claim food per agent, then eat
            (serial, row order);
catch_pass  predators catch touching prey (worlds with predators), then apply the catches;
finish_pass metabolism and food regrowth (serial).

The passes take the World's NamedTuples (AgentColumns, SensorTables, ...), except act_pass,
catch_pass and finish_pass, which take the arrays they use (a kernel called from Python compiles
an entry that converts every member of every table it takes, and these would use fewer than
half); they hand plain arrays and scalars to the kernels of alife.world.sensors / physics /
interact / spawn / grid (a loop compiles to faster code on arrays passed in than on arrays read
from a NamedTuple in the same function). Parallel loops run over `pieces` contiguous pieces of
the rows (the caller passes its thread count: one piece per thread), cut so that every piece
holds as many living agents (the ones that cost work) as the others (`living_cuts`); results
never depend on the pieces.
Arrays written inside a parallel loop are bound by plain assignments (see alife.jit).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from alife.jit import njit_parallel, njit_serial
from alife.world.grid import build_objects
from alife.world.interact import apply_catch, apply_food, catch_rows, claim_rows, metabolism
from alife.world.physics import collide_rows, move_rows
from alife.world.sensors import clock_inputs, sense_rows
from alife.world.spawn import regrow, regrowth_at


@njit_serial
def living_cuts(alive, rows, pieces):
    """(cuts, living): cuts (pieces + 1,) int64 cut rows[0:n] into `pieces` contiguous pieces
    cuts[c]:cuts[c + 1] holding equal numbers (within one) of living agents alive[rows[r]];
    living is their number."""
    n = rows.shape[0]
    living = 0
    for r in range(n):
        living += alive[rows[r]]
    cuts = np.empty(pieces + 1, np.int64)
    cuts[0] = 0
    c = 1
    seen = 0
    for r in range(n):
        while c < pieces and seen * pieces >= living * c:
            cuts[c] = r
            c += 1
        seen += alive[rows[r]]
    while c <= pieces:
        cuts[c] = n
        c += 1
    return cuts, living


@njit_parallel
def sense_pass(rows, dest, bounds, agents, items, se, obstacles, grid, tick, cue_on, cue_side,
               swapped, pieces, objects, out):  # fmt: skip
    """Fill objects (ObjectGrid buffers) with the living agents and active items, then the
    sensor inputs of agents rows (int64 (B,)): agent rows[r], of species s, gets
    out[dest[r] : dest[r] + n_sensors[s]] (out float32, flat; dest int64 (B,));
    rows[bounds[s]:bounds[s + 1]] are of species s (bounds int64 (S + 1,)). Returns the number
    of objects in the grid."""
    width, height, gx, gy, cw, ch, wrap = grid
    n_objects = build_objects(
        agents.x, agents.y, agents.apos, agents.alive, agents.species, items.fx, items.fy,
        items.farena, items.factive, items.fkind, se.n_rays.shape[0], gx, gy, cw, ch,
        objects.start, objects.x, objects.y, objects.tag, objects.row,
    )  # fmt: skip
    clock = clock_inputs(se.clock_period, tick)
    x = agents.x
    y = agents.y
    heading = agents.heading
    speed = agents.speed
    energy = agents.energy
    alive = agents.alive
    apos = agents.apos
    circles = obstacles.circles
    rects = obstacles.rects
    o_start = objects.start
    o_row = objects.row
    o_x = objects.x
    o_y = objects.y
    o_tag = objects.tag
    n_rays = se.n_rays
    ray_ct = se.ray_ct
    ray_st = se.ray_st
    srange = se.srange
    n_cls = se.n_cls
    ch_wall = se.ch_wall
    ch_tag = se.ch_tag
    rad_tag = se.rad_tag
    see_radius = se.see_radius
    see_any = se.see_any
    cull = se.cull
    max_speed = se.max_speed
    max_energy = se.max_energy
    s_energy = se.energy
    s_speed = se.speed
    s_clock = se.clock
    s_cue = se.cue
    s_taste = se.taste
    s_dawn = se.dawn
    taste = agents.taste
    cuts, _ = living_cuts(alive, rows, pieces)
    for c in prange(pieces):
        lo = cuts[c]
        hi = cuts[c + 1]
        for s in range(bounds.shape[0] - 1):
            a = max(lo, bounds[s])
            b = min(hi, bounds[s + 1])
            if a < b:
                k = n_rays[s]
                sense_rows(
                    a, b, rows, dest, x, y, heading, speed, energy, alive, apos,
                    ray_ct[s, :k].copy(), ray_st[s, :k].copy(), srange[s], n_cls[s],
                    ch_wall[s], ch_tag[s].copy(), rad_tag, see_radius[s], see_any[s], cull[s],
                    max_speed[s], max_energy[s], s_energy[s], s_speed[s], s_clock[s],
                    clock[0, s], clock[1, s], s_cue[s], cue_on, cue_side, s_taste[s], taste,
                    s_dawn[s] > 0, tick < s_dawn[s], swapped, width, height, wrap, circles,
                    rects, gx, gy, cw, ch, o_start, o_row, o_x, o_y, o_tag, out,
                )  # fmt: skip
    return n_objects


@njit_parallel
def act_pass(motors, rows, x, y, heading, speed, alive, done, species, apos, signal, energy,
             ledger, counters, taste, fkind, factive, farena, max_turn, max_speed, reverse,
             shows, radius, collide, eat, max_energy, item_radius, item_energy, circles, rects,
             width, height, gx, gy, cw, ch, wrap, reach, held, pieces, o_start, o_row, o_x, o_y,
             o_tag, px, py, claim, swapped):  # fmt: skip
    """Move every agent by its motors (N, >=2) float32, resolve collisions, claim and eat food.
    Agent columns x ... taste (N,) (AgentColumns), item slots fkind, factive, farena (F,)
    (ItemSlots), species tables max_turn ... max_energy (SpeciesTables; shows: its signal),
    item kinds' item_radius, item_energy (2,) (ItemTables), the obstacles, the grid's scalars
    (GridSpec), and this tick's object grid o_start ... o_tag (ObjectGrid, from sense_pass); rows
    (N,) int64: 0..N-1; px, py, claim (N,): work space; swapped (A,) bool: arenas whose item
    kinds trade roles. Moving is serial (a few tens of ns per agent: less than a parallel
    region's start costs below thousands of agents). Returns (agents alive at the start, items
    eaten)."""
    move_rows(0, x.shape[0], motors, x, y, heading, speed, alive, done, species, signal, held,
              max_turn, max_speed, reverse, shows, px, py)  # fmt: skip
    cuts, n_alive = living_cuts(alive, rows, pieces)
    for c in prange(pieces):
        lo = cuts[c]
        hi = cuts[c + 1]
        collide_rows(
            lo, hi, px, py, alive, species, apos, radius, collide, width, height, wrap,
            circles, rects, gx, gy, cw, ch, reach, o_start, o_row, x, y,
        )  # fmt: skip
        claim_rows(
            lo, hi, x, y, alive, done, species, apos, radius, eat, item_radius, width, height,
            wrap, gx, gy, cw, ch, o_start, o_row, o_x, o_y, o_tag, claim,
        )  # fmt: skip
    eaten = apply_food(claim, fkind, factive, farena, swapped, item_energy, energy, species,
                       max_energy, ledger, counters, taste)  # fmt: skip
    return n_alive, eaten


@njit_parallel
def catch_pass(rows, x, y, alive, done, species, apos, energy, ledger, counters, radius, pred,
               is_prey, prey_frac, max_energy, width, height, gx, gy, cw, ch, wrap, reach, pieces,
               o_start, o_row, catcher):  # fmt: skip
    """Predators catch the prey they touch (see interact.catch_rows / apply_catch): agent
    columns x ... counters (N,) (AgentColumns), species tables radius ... max_energy
    (SpeciesTables), the grid's scalars (GridSpec) and this tick's object grid o_start, o_row
    (ObjectGrid, from sense_pass); rows (N,) int64: 0..N-1; catcher (N,) is work space. Returns
    the number of prey caught."""
    cuts, _ = living_cuts(alive, rows, pieces)
    for c in prange(pieces):
        catch_rows(
            cuts[c], cuts[c + 1], x, y, alive, done, species, apos, radius, pred, is_prey,
            width, height, wrap, gx, gy, cw, ch, reach, o_start, o_row, catcher,
        )  # fmt: skip
    return apply_catch(catcher, alive, energy, species, ledger, counters, prey_frac, max_energy)


@njit_serial
def finish_pass(alive, speed, species, energy, age, ledger, counters, base_cost, move_cost,
                brain_cost, max_speed, max_age, keys, farena, flocal, fkind, can_regrow, regrow_p,
                season_period, season_amp, patch_xy, it, circles, rects, width, height, tick,
                fx, fy, factive):  # fmt: skip
    """Metabolism (returns the deaths), then food regrowth: agent columns alive ... counters
    (AgentColumns), species tables base_cost ... max_age (SpeciesTables), the arenas' keys and
    patch_xy (Arenas), item slots farena ... can_regrow and fx, fy, factive (ItemSlots), the item
    kinds' regrowth chances and seasons regrow_p, season_period, season_amp and it itself
    (ItemTables), the obstacles and the arena size."""
    deaths = metabolism(alive, speed, species, energy, age, base_cost, move_cost, brain_cost,
                        max_speed, max_age, ledger, counters)  # fmt: skip
    regrow(keys, farena, flocal, fkind, can_regrow,
           regrowth_at(regrow_p, season_period, season_amp, tick), patch_xy, it, circles, rects,
           width, height, tick, fx, fy, factive)  # fmt: skip
    return deaths
