"""Interactions after physics: eating food/poison, predation, cue goals, metabolism.

Conflicts are settled deterministically and in parallel without shared writes: each agent
claims the nearest item it touches (each prey picks the touching predator with the lowest row)
(`claim_rows`, `catch_rows`: a range of agents on one thread; alife.world.passes runs them in
parallel), then a short serial pass applies the energy changes in row order (the lowest row
wins a shared item), so floating-point sums never depend on thread timing. Every
energy change is also added to a per-agent ledger (columns L_* below) so tests can check that
energy is conserved.
"""

from __future__ import annotations

import math

import numpy as np

from alife.jit import njit_callee, njit_serial
from alife.world.geometry import min_image
from alife.world.grid import box_cells, wrap_cell

# ledger columns (float64 (N, 7))
L_FOOD, L_POISON, L_PREY, L_EATEN, L_SPENT, L_WASTED, L_CHILD = range(7)
LEDGER_COLUMNS = 7
# counter columns (int32 (N, 6))
C_FOOD, C_POISON, C_PREY, C_SUCCESS, C_FAILURE, C_ALIVE_TICKS = range(6)
COUNTER_COLUMNS = 6


@njit_callee
def claim_rows(lo, hi, x, y, alive, done, species, apos, radius_tab, eat_tab, item_radius, width,
           height, wrap, gx, gy, cw, ch, o_start, o_row, o_x, o_y, o_tag, claim):
    """claim[i] = item slot of the nearest active item agent i (lo <= i < hi) touches and eats
    (eat_tab (S, 2) bool), else -1.

    Items come from the object grid (o_row = -2 - slot for items, o_tag = n_species + kind);
    items never move, so cells around the agent's new position within one contact are
    enough."""
    n_species = radius_tab.shape[0]
    rf_max = max(item_radius[0], item_radius[1])
    for i in range(lo, hi):
        claim[i] = -1
        if not alive[i] or done[i]:
            continue
        s = species[i]
        if not (eat_tab[s, 0] or eat_tab[s, 1]):
            continue
        xi = x[i]
        yi = y[i]
        a = apos[i]
        ri = radius_tab[s]
        x0, nxc, y0, nyc = box_cells(xi, yi, ri + rf_max, cw, ch, gx, gy, wrap)
        best = -1
        best_d2 = 0.0
        for oy in range(nyc):
            yy = wrap_cell(y0 + oy, gy)
            for ox in range(nxc):
                cell = (a * gy + yy) * gx + wrap_cell(x0 + ox, gx)
                for p in range(o_start[cell], o_start[cell + 1]):
                    kind = o_tag[p] - n_species
                    if kind < 0 or not eat_tab[s, kind]:
                        continue
                    dx = min_image(o_x[p] - xi, width, wrap)
                    dy = min_image(o_y[p] - yi, height, wrap)
                    d2 = dx * dx + dy * dy
                    need = ri + item_radius[kind]
                    slot = -2 - o_row[p]
                    nearer = best < 0 or d2 < best_d2 or (d2 == best_d2 and slot < best)
                    if d2 <= need * need and nearer:
                        best = slot
                        best_d2 = d2
        claim[i] = best


@njit_callee
def apply_food(claim, fkind, factive, farena, swapped, item_energy, energy, species,
               max_energy_tab, ledger, counters, taste):
    """Serial, in agent row order: each agent eats the item it claimed (claim (N,) int64 slot or
    -1) if nobody before it did (so the lowest row wins a shared item; one item per agent per
    tick). An item's role (0 good, 1 bad) is its kind, or the other one in arenas where swapped
    (A,) bool is set; the role decides the energy, ledger and counter changes. taste (N,) int64
    says what each agent ate this tick (0 nothing, else 1 + 2 * kind + role). Returns items
    eaten."""
    eaten = 0
    for j in range(claim.shape[0]):
        taste[j] = 0
        f = claim[j]
        if f < 0 or not factive[f]:
            continue
        factive[f] = False
        eaten += 1
        role = fkind[f] ^ np.int64(swapped[farena[f]])
        taste[j] = 1 + 2 * fkind[f] + role
        e = item_energy[role]
        if role == 0:
            cap = max_energy_tab[species[j]]
            new = energy[j] + e
            if new > cap:
                ledger[j, L_WASTED] += new - cap
                new = cap
            ledger[j, L_FOOD] += e
            energy[j] = new
            counters[j, C_FOOD] += 1
        else:
            energy[j] -= e
            ledger[j, L_POISON] += e
            counters[j, C_POISON] += 1
    return eaten


@njit_callee
def catch_rows(lo, hi, x, y, alive, done, species, apos, radius_tab, pred_tab, is_prey, width,
           height, wrap, gx, gy, cw, ch, reach, o_start, o_row, catcher):
    """catcher[i] = lowest row of a predator touching prey i (lo <= i < hi), else -1 (pred_tab
    (S, S) bool: pred_tab[a, b] = a eats b; the object grid o_start, o_row is from before the
    move; reach covers the moves and pushes since)."""
    for i in range(lo, hi):
        catcher[i] = -1
        if not alive[i] or not is_prey[species[i]]:
            continue
        si = species[i]
        xi = x[i]
        yi = y[i]
        a = apos[i]
        x0, nxc, y0, nyc = box_cells(xi, yi, reach, cw, ch, gx, gy, wrap)
        best = -1
        for oy in range(nyc):
            yy = wrap_cell(y0 + oy, gy)
            for ox in range(nxc):
                xx = wrap_cell(x0 + ox, gx)
                cell = (a * gy + yy) * gx + xx
                for p in range(o_start[cell], o_start[cell + 1]):
                    j = o_row[p]
                    if j < 0:
                        break  # items come after a cell's agents
                    if (best >= 0 and j >= best) or not alive[j] or done[j]:
                        continue
                    if not pred_tab[species[j], si]:
                        continue
                    dx = min_image(x[j] - xi, width, wrap)
                    dy = min_image(y[j] - yi, height, wrap)
                    need = radius_tab[si] + radius_tab[species[j]]
                    if dx * dx + dy * dy <= need * need:
                        best = j
        catcher[i] = best


@njit_callee
def apply_catch(catcher, alive, energy, species, ledger, counters, prey_frac_tab,
                max_energy_tab):  # fmt: skip
    """Serial, in prey row order: prey i with a catcher j = catcher[i] >= 0 (both alive) dies,
    and j gains prey_frac_tab[species[j]] of its energy (capped at max_energy_tab). Agent
    columns alive ... counters (AgentColumns). Returns the number of prey caught."""
    caught = 0
    for i in range(catcher.shape[0]):
        j = catcher[i]
        if j < 0 or not alive[i] or not alive[j]:
            continue
        e = max(energy[i], 0.0)
        ledger[i, L_EATEN] += energy[i]
        energy[i] = 0.0
        alive[i] = False
        gain = prey_frac_tab[species[j]] * e
        cap = max_energy_tab[species[j]]
        new = energy[j] + gain
        ledger[j, L_PREY] += gain
        if new > cap:
            ledger[j, L_WASTED] += new - cap
            new = cap
        energy[j] = new
        counters[j, C_PREY] += 1
        caught += 1
    return caught


@njit_serial
def goals_reached(agents, cue_side, goals, goal_radius, stop, cued):
    """Cue worlds: mark success/failure for agents reaching the right/wrong goal (cue_side
    (A,) int64: the goal index; goals (G, 2) float64), and keep agents.goal_d, the nearest any
    goal (species s with cued[s], (S,) bool: the cue's goal) has been so far (for the approach
    score). stop: reaching a goal finishes the agent (done)."""
    x = agents.x
    y = agents.y
    alive = agents.alive
    done = agents.done
    apos = agents.apos
    counters = agents.counters
    goal_d = agents.goal_d
    species = agents.species
    r2 = goal_radius * goal_radius
    for i in range(x.shape[0]):
        if not alive[i] or done[i]:
            continue
        side = cue_side[apos[i]]
        for g in range(goals.shape[0]):
            dx = x[i] - goals[g, 0]
            dy = y[i] - goals[g, 1]
            d2 = dx * dx + dy * dy
            if g == side or not cued[species[i]]:
                goal_d[i] = min(goal_d[i], math.sqrt(d2))
            if d2 <= r2:
                if g == side:
                    counters[i, C_SUCCESS] = 1
                else:
                    counters[i, C_FAILURE] = 1
                if stop:
                    done[i] = True
                break


@njit_callee
def metabolism(alive, speed, species, energy, age, base_tab, move_tab, brain_tab, max_speed_tab,
                max_age_tab, ledger, counters):
    """Pay the cost of living; age; mark deaths (energy <= 0 or too old). Returns the number of
    deaths."""
    deaths = 0
    for i in range(alive.shape[0]):
        if not alive[i]:
            continue
        s = species[i]
        v = speed[i] / max_speed_tab[s]
        cost = base_tab[s] + move_tab[s] * v * v + brain_tab[s]
        energy[i] -= cost
        ledger[i, L_SPENT] += cost
        age[i] += 1
        counters[i, C_ALIVE_TICKS] += 1
        if energy[i] <= 0.0 or (max_age_tab[s] > 0 and age[i] >= max_age_tab[s]):
            alive[i] = False
            deaths += 1
    return deaths
