"""What a world needs to run, from its file alone: agents, memory (bytes) and work (agent-ticks).

A world runs in up to two layouts (`layouts`): the window's (`play`/`view`: arena.count arenas
holding the species counts) and its evolution's, either generational (evolution.arenas arenas of
agents_per_arena per species; all genomes stay in the main process, and the arenas are
evaluated a batch per worker at a time) or open-ended (arena.count arenas that may grow to
max_population agents per species). `estimate(config)` gives a `Need` per layout: the bytes of
the arrays the engine allocates for it, summed from per-agent sizes (genome copies, brain memory,
sensor inputs, the agent's row), per-item and per-grid-cell sizes and the arena count; a test
measures a real World against these sizes. `memory_problem(config)` is the `key: message` of the
first need above `memory_limit()`: ALIFE_MAX_MEMORY if set (`python run.py --max-memory SIZE`
sets it), else 80% of the memory this machine has available now. Interpreter and compiled-code
overhead (a few hundred MB per process) is not counted.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from alife.config.models import SpeciesConfig, WorldConfig

MEMORY_ENV = "ALIFE_MAX_MEMORY"
SAFETY = 0.8  # share of the available memory a world may take

GENOME_COPIES = 4  # float32 copies of a genome at peak: float64 draw, array, prepared copy, child
AGENT_ROW_BYTES = 400  # the agent's row (position, energy, ledger, ...), its grid entries, scratch
ITEM_BYTES = 96  # one food/poison slot and its sensing-grid entry
CELL_BYTES = 24  # one grid cell: agent and object grid offsets, and a copy while built
MAX_CELLS_PER_SIDE = 128  # of a grid (the engine's limit)
OPEN_ENDED_PEAK = 3  # births build grown arrays next to the old; checkpoints copy them
BATCH_AGENTS = 256  # a generational task holds about this many agents (at least one arena)
REFERENCE_AGENTS = 1000  # a typical world's agent count, to tell "too many" from "too big"
_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class Layout(NamedTuple):
    """One way a world runs: `arenas` arenas of `per_arena[s]` agents of species s (the most,
    for open-ended runs); `key` is the setting that decides how many agents there are."""

    name: str  # "the window", "evolution" or "open-ended evolution"
    arenas: int
    per_arena: list[int]
    key: str
    how: str  # how the agent count comes about, for messages
    ticks: int  # ticks per episode (window, evolution) or per chunk (open-ended)


class Need(NamedTuple):
    """What one layout needs: bytes at peak, its agents (all species, all arenas) and its
    agent-ticks per episode/generation/chunk; `key` and `why` name the biggest part."""

    layout: Layout
    bytes: int
    agents: int
    agent_ticks: int
    key: str
    why: str


def layouts(config: WorldConfig) -> list[Layout]:
    """The window's layout, then the evolution's (ValueError `key: message` if the
    evolution section's numbers do not fit together; see EvolutionConfig.layout)."""
    counts = [s.count for s in config.species]
    big = max(range(len(counts)), key=lambda s: counts[s])
    arena_key = "arena.count" if config.arena.count > 1 else f"species[{big}].count"
    out = [
        Layout("the window", config.arena.count, counts, arena_key,
               "arena.count x species counts", config.episode.length),
    ]  # fmt: skip
    evo = config.evolution
    if evo.mode == "generational":
        arenas, per = evo.layout(counts)
        set_keys = [k for k in ("arenas", "population", "agents_per_arena") if getattr(evo, k)]
        key = f"evolution.{set_keys[0]}" if set_keys else f"species[{big}].count"
        out.append(Layout("evolution", arenas, per, key, "evolution.arenas x agents per arena",
                          config.episode.length))  # fmt: skip
    else:
        oe = evo.open_ended
        most = [max(c, oe.max_population) for c in counts]
        out.append(Layout("open-ended evolution", config.arena.count, most,
                          "evolution.open_ended.max_population",
                          "arena.count x max_population per species", oe.chunk_ticks))  # fmt: skip
    return out


def estimate(config: WorldConfig, workers: int | None = None) -> list[Need]:
    """A Need per layout (see the module docstring); `workers`: evaluation processes of a
    generational run (default: one per CPU, as `evolve` does)."""
    workers = workers or os.cpu_count() or 1
    each = [agent_bytes(sp) for sp in config.species]
    needs = []
    for lay in layouts(config):
        agents = [lay.arenas * n for n in lay.per_arena]
        if lay.name == "evolution":  # genomes in the main process; a batch per worker at once
            at_once = min(lay.arenas, workers * batch_arenas(lay.arenas, lay.per_arena))
            genome = [GENOME_COPIES * genome_bytes(sp) for sp in config.species]
            parts = [
                a * g + at_once * n * e
                for a, g, n, e in zip(agents, genome, lay.per_arena, each, strict=True)
            ]
        else:
            at_once = lay.arenas
            peak = OPEN_ENDED_PEAK if lay.name == "open-ended evolution" else 1
            parts = [peak * a * e for a, e in zip(agents, each, strict=True)]
        arena_part = at_once * arena_bytes(config)
        key, why = _biggest(config, lay, agents, parts, arena_part)
        ticks = sum(agents) * lay.ticks
        needs.append(Need(lay, int(sum(parts) + arena_part), sum(agents), ticks, key, why))
    return needs


def genome_bytes(sp: SpeciesConfig) -> int:
    """One genome: depth x 2 x width float32 slopes."""
    return 4 * sp.brain.depth * 2 * sp.brain.width


def memory_bytes(sp: SpeciesConfig) -> int:
    """One agent's brain state: memory (value_size, width) and last reads (reads, value_size),
    float32."""
    mem = sp.memory
    return 4 * (mem.value_size * mem.width + mem.reads * mem.value_size) if mem.enabled else 0


def agent_bytes(sp: SpeciesConfig) -> int:
    """One agent of species `sp` in a World: genome copies, brain state, sensor inputs, row."""
    rows = 4 * sp.n_sensors + AGENT_ROW_BYTES
    return GENOME_COPIES * genome_bytes(sp) + memory_bytes(sp) + rows


def arena_bytes(config: WorldConfig) -> int:
    """One arena's item slots and grid cells."""
    slots = config.food.capacity + config.poison.capacity + 1
    cell = _cell_size(config)
    gx = max(1, min(int(config.arena.width // cell), MAX_CELLS_PER_SIDE))
    gy = max(1, min(int(config.arena.height // cell), MAX_CELLS_PER_SIDE))
    return slots * ITEM_BYTES + gx * gy * CELL_BYTES


def _cell_size(config: WorldConfig) -> float:
    """The engine's grid cell size (alife.world.tables.cell_min): the longer of a contact
    distance and half the longest sensor range."""
    r = max(s.body.radius for s in config.species)
    v = max(s.body.max_speed for s in config.species)
    contact = 2.0 * r + v + max(config.food.radius, config.poison.radius)
    return max(contact, 0.5 * max(s.sensors.range for s in config.species))


def batch_arenas(arenas: int, per_arena: list[int]) -> int:
    """Arenas per generational task (alife.evolve.evaluate.batch_arenas): about BATCH_AGENTS
    agents, at most a quarter of the arenas, at least one."""
    by_size = max(1, BATCH_AGENTS // max(1, sum(per_arena)))
    return max(1, min(by_size, max(1, arenas // 4)))


def _biggest(config, lay: Layout, agents, parts, arena_part) -> tuple[str, str]:
    """(key, text) naming what makes a need big: `parts[s]` are the bytes of species s's
    `agents[s]` agents. Blames one agent's size when that is further above the default
    species' than the agent count is above REFERENCE_AGENTS, else the agent count (or the
    arena count, when items and grids weigh most)."""
    from alife.config.models import SpeciesConfig

    if arena_part >= sum(parts):
        per = size_text(arena_part / lay.arenas)
        return lay.key, f"{lay.arenas:,} arenas x {per} of items and grid"
    s = max(range(len(parts)), key=lambda i: parts[i])
    sp, n = config.species[s], agents[s]
    per_agent = parts[s] / max(1, n)
    each = f"{n:,} agents x {size_text(per_agent)}"
    if per_agent / agent_bytes(SpeciesConfig(name="x")) < sum(agents) / REFERENCE_AGENTS:
        return lay.key, f"{each} ({lay.how})"
    if memory_bytes(sp) >= GENOME_COPIES * genome_bytes(sp):
        m = sp.memory
        return f"species[{s}].memory.width", (
            f"{each}, mostly brain memory: width {m.width:,} x value_size {m.value_size} x 4 bytes"
        )
    b = sp.brain
    return f"species[{s}].brain.width", (
        f"{each}, mostly genome copies: depth {b.depth} x 2 x width {b.width:,} x 4 bytes"
    )


def summary(needs: list[Need]) -> str:
    """One line per world for `validate`: agents, memory and work of each layout."""
    per = {"the window": "episode", "evolution": "generation", "open-ended evolution": "chunk"}
    parts = []
    for need in needs:
        lay = need.layout
        agents = _plural(sum(lay.per_arena), "agent")
        if lay.arenas > 1:
            agents = f"{lay.arenas:,} arenas x {agents}"
        up_to = "up to " if lay.name == "open-ended evolution" else ""
        parts.append(
            f"{lay.name.removeprefix('the ')}: {up_to}{agents}, about {size_text(need.bytes)}, "
            f"{up_to}{need.agent_ticks:,} agent-ticks per {per[lay.name]}"
        )
    return "; ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def memory_problem(config: WorldConfig, limit: tuple[int, str] | None = None) -> str | None:
    """`key: message` for the first layout that needs more memory than `limit` ((bytes, how
    the limit was set); default memory_limit()), or None if every layout fits."""
    limit_bytes, source = memory_limit() if limit is None else limit
    for need in estimate(config):
        if need.bytes > limit_bytes:
            return (
                f"{need.key}: {need.layout.name} needs about {size_text(need.bytes)} of memory "
                f"({need.why}), more than the {size_text(limit_bytes)} allowed ({source})"
            )
    return None


def memory_limit() -> tuple[int, str]:
    """(bytes a world may use, how that was decided): ALIFE_MAX_MEMORY (e.g. `64G`) if set,
    else SAFETY x the memory available now (/proc/meminfo MemAvailable, or the OS's count of
    free pages); unlimited if neither is known."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        return parse_size(text), f"set by --max-memory / {MEMORY_ENV}"
    available = _available_memory()
    if available is None:
        return 2**63 - 1, "the available memory is unknown"
    how = f"{SAFETY:.0%} of the {size_text(available)} available; raise with --max-memory"
    return int(available * SAFETY), how


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def parse_size(text: str) -> int:
    """Bytes from a size like `512M`, `64G`, `1.5T` or `1000000` (units are powers of 1024;
    a trailing B or iB is allowed); ValueError if it is not one."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    try:
        value = float(t[: len(t) - len(unit)])
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{text!r} is not a memory size like 512M, 64G or 1.5T")
    return int(value * _UNITS[unit])


def size_text(n: float) -> str:
    """Bytes as `12.3 MiB` style text."""
    for unit in ("TiB", "GiB", "MiB", "KiB"):
        scale = _UNITS[unit[0]]
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"
