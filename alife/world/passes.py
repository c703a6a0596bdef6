"""The compiled passes of a tick: each one parallel region (or none) over all agents of all
arenas and species, so a tick's Python and dispatch cost does not grow with its stages.

sense_pass  build the object grid (serial), then the sensor inputs of every agent;
act_pass    act (motors -> proposed moves), then collide + claim food per agent, then eat
            (serial, row order) and, when `finish`, metabolism and food regrowth;
catch_pass  predators catch touching prey (worlds with predators), then apply the catches;
finish_pass metabolism and food regrowth, when catches or cue goals came in between.

Parallel loops run over `n_chunks` contiguous pieces of the agents, each on one thread through
the serial per-range functions of alife.world.sensors / physics / interact, so every piece keeps
its agents' data in cache from one stage to the next; results never depend on the chunking.
"""

from __future__ import annotations

from numba import prange

from alife.jit import njit_parallel, njit_serial
from alife.world.grid import build_objects
from alife.world.interact import apply_catch, apply_food, catch_rows, claim_rows, metabolism
from alife.world.physics import collide_rows, move_rows
from alife.world.sensors import clock_inputs, sense_rows
from alife.world.spawn import regrow


@njit_parallel
def sense_pass(rows, dest, bounds, agents, items, se, obstacles, grid, tick, cue_on, cue_side,
               swapped, n_chunks, objects, out):
    """Fill objects (ObjectGrid buffers) with the living agents and active items, then the
    sensor inputs of agents rows (int64 (B,)) into out at offsets dest (see sensors.sense_rows);
    rows[bounds[s]:bounds[s + 1]] are of species s (bounds int64 (S + 1,)). Returns the number
    of objects in the grid."""
    width, height, gx, gy, cw, ch, wrap = grid
    n_objects = build_objects(agents, items, se.n_rays.shape[0], gx, gy, cw, ch, objects)
    clock = clock_inputs(se, tick)
    n = rows.shape[0]
    for c in prange(n_chunks):
        lo = n * c // n_chunks
        hi = n * (c + 1) // n_chunks
        for s in range(bounds.shape[0] - 1):
            a = max(lo, bounds[s])
            b = min(hi, bounds[s + 1])
            if a < b:
                sense_rows(a, b, s, rows, dest, agents, se, obstacles, grid, objects, clock,
                           cue_on, cue_side, swapped, tick, out)
    return n_objects


@njit_parallel
def act_pass(motors, agents, items, sp, it, arenas, obstacles, grid, reach, held, tick,
             finish, n_chunks, objects, px, py, claim):
    """Move every agent by its motors (N, >=2) float32, resolve collisions, claim and eat food;
    when `finish`, also metabolism and regrowth (finish_pass). objects: this tick's ObjectGrid
    (from sense_pass); px, py, claim (N,): work space. Returns (agents alive at the start,
    items eaten, deaths)."""
    n = agents.x.shape[0]
    alive = agents.alive
    n_alive = 0
    for i in range(n):
        n_alive += alive[i]
    for c in prange(n_chunks):
        move_rows(n * c // n_chunks, n * (c + 1) // n_chunks, motors, agents, sp, held, px, py)
    for c in prange(n_chunks):
        lo = n * c // n_chunks
        hi = n * (c + 1) // n_chunks
        collide_rows(lo, hi, agents, sp, obstacles, grid, reach, objects, px, py)
        claim_rows(lo, hi, agents, sp, it, grid, objects, claim)
    eaten = apply_food(claim, agents, items, it, sp, arenas.swapped)
    deaths = 0
    if finish:
        deaths = finish_pass(agents, items, sp, it, arenas, obstacles, grid, tick)
    return n_alive, eaten, deaths


@njit_parallel
def catch_pass(agents, sp, grid, reach, n_chunks, objects, catcher):
    """Predators catch the prey they touch (see interact.catch_rows / apply_catch); catcher
    (N,) is work space. Returns the number of prey caught."""
    n = agents.x.shape[0]
    for c in prange(n_chunks):
        catch_rows(n * c // n_chunks, n * (c + 1) // n_chunks, agents, sp, grid, reach, objects,
                   catcher)
    return apply_catch(catcher, agents, sp)


@njit_serial
def finish_pass(agents, items, sp, it, arenas, obstacles, grid, tick):
    """Metabolism (returns the deaths), then food regrowth."""
    deaths = metabolism(agents, sp)
    regrow(items, arenas, it, obstacles, grid, tick)
    return deaths
