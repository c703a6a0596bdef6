"""What a world needs to run, from its file alone: agents, memory (bytes) and work (agent-ticks).

A world has one layout (`layout_of`). A generational world plays evolution.arenas groups of
agents_per_arena agents per species, each group in evolution.episodes arenas, every generation;
its genomes stay in one process while the next generation is bred. `evolve` evaluates the arenas
a batch per worker at a time; the window keeps all of them (the arenas shown and the others)
in memory at once. An open-ended world is arena.count arenas that may grow to max_population
agents per species, the same World in the window and in `evolve`.

`estimate(config)` gives a `Need` per way of running (the window, evolve): the bytes of the
arrays the engine allocates at peak, summed from per-agent sizes (genome copies, brain memory,
sensor inputs, the agent's row), per-item and per-grid-cell sizes and the arena count; tests
measure real Worlds, runs and window sessions against them. `memory_problem(config)` is the
`key: message` for the first need above `memory_limit()`: the CLI's `--max-memory SIZE`, else
ALIFE_MAX_MEMORY if set, else 80% of the memory this machine has available now. Which ways of
running are checked: all (validate, the library), or within `checking(...)` the one a command
uses. Interpreter and compiled-code overhead (a few hundred MB per process) is not
counted.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from alife.config.models import SpeciesConfig, WorldConfig

MEMORY_ENV = "ALIFE_MAX_MEMORY"
SAFETY = 0.8  # share of the available memory a world may take
WINDOW, EVOLVE = "the window", "evolve"  # the ways a world runs

GENOME_COPIES = 4  # float32 copies of a genome in a World at peak: float64 draw, array, prepared
TASK_GENOME_COPIES = 2  # the same in a World of given genomes (a task's copy, prepared copy)
BREEDING_COPIES = 5  # genome copies of a population while the next is bred (4), with the genome
# cluster representatives held (alife.evolve.clusters: at most one copy)
AGENT_ROW_BYTES = 400  # the agent's row (position, energy, ledger, ...), its grid entries, scratch
ITEM_BYTES = 96  # one food/poison slot and its sensing-grid entry
CELL_BYTES = 24  # one grid cell: agent and object grid offsets, and a copy while built
MAX_CELLS_PER_SIDE = 128  # of a grid (the engine's limit)
OPEN_ENDED_PEAK = 3  # births build grown arrays next to the old; checkpoints copy them
WINDOW_WORLDS = 2  # the window builds a generation's Worlds while the last ones still exist
BATCH_AGENTS = 256  # a generational task holds about this many agents (at least one arena)
REFERENCE_AGENTS = 1000  # a typical world's agent count, to tell "too many" from "too big"
_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_checked: frozenset[str] = frozenset({WINDOW, EVOLVE})  # see `checking`
_limit: int | None = None  # bytes, set by `checking(limit=...)`


class Layout(NamedTuple):
    """A world's arenas: `arenas` arenas (per generation, or of an open-ended run) holding
    `per_arena[s]` agents of species s (open-ended: the most); `genomes[s]` genomes of species s
    are kept (generational: the population). `key` is the setting that decides how many agents
    there are."""

    generational: bool
    arenas: int
    per_arena: list[int]
    genomes: list[int]
    key: str
    how: str  # how the agent count comes about, for messages
    ticks: int  # ticks per generation (an episode) or per open-ended chunk

    @property
    def agents(self) -> int:
        return self.arenas * sum(self.per_arena)

    @property
    def agent_ticks(self) -> int:
        """Per generation, or (at most) per open-ended chunk."""
        return self.agents * self.ticks


class Need(NamedTuple):
    """The bytes one way of running (`runs`) needs at peak; `key` and `why` name the biggest
    part, for a refusal."""

    runs: tuple[str, ...]
    bytes: int
    key: str
    why: str


def layout_of(config: WorldConfig) -> Layout:
    """The world's layout (ValueError `key: message` if the evolution section's numbers do not
    fit together; see EvolutionConfig.layout)."""
    counts = [s.count for s in config.species]
    evo = config.evolution
    if evo.mode != "generational":
        most = [max(c, evo.open_ended.max_population) for c in counts]
        n, how = config.arena.count, "arena.count x max_population per species"
        key = "evolution.open_ended.max_population"
        return Layout(False, n, most, [n * m for m in most], key, how, evo.open_ended.chunk_ticks)
    groups, per = evo.layout(counts)
    big = max(range(len(counts)), key=lambda s: counts[s])
    set_keys = [k for k in ("arenas", "population", "agents_per_arena") if getattr(evo, k)]
    key = f"evolution.{set_keys[0]}" if set_keys else f"species[{big}].count"
    how = "evolution.arenas x agents per arena"
    if evo.episodes > 1:
        how = "evolution.arenas x episodes x agents per arena"
    return Layout(True, groups * evo.episodes, per, [groups * p for p in per], key, how,
                  config.episode.length)  # fmt: skip


def estimate(config: WorldConfig, workers: int | None = None) -> list[Need]:
    """The Needs of the window and of `evolve` (one Need for both in open-ended worlds);
    `workers`: evaluation processes of a generational `evolve` (default: one per CPU, as
    `evolve` does)."""
    lay = layout_of(config)
    if not lay.generational:
        parts = [OPEN_ENDED_PEAK * lay.arenas * k * agent_bytes(sp)
                 for k, sp in zip(lay.per_arena, config.species, strict=True)]  # fmt: skip
        return [_need(config, lay, (WINDOW, EVOLVE), parts, lay.arenas)]
    workers = workers or os.cpu_count() or 1
    needs = []
    batch = min(lay.arenas, workers * batch_arenas(lay.arenas, lay.per_arena))
    for runs, at_once, worlds in (
        (WINDOW, lay.arenas, WINDOW_WORLDS),  # the arenas shown and the others, in step
        (EVOLVE, batch, 1),  # a batch of arenas per worker
    ):
        parts = [  # the larger of: breeding, or the population and its arenas' copies
            max(BREEDING_COPIES * n, n + lay.arenas * k) * genome_bytes(sp)
            + worlds * at_once * k * agent_bytes(sp, TASK_GENOME_COPIES)
            for n, k, sp in zip(lay.genomes, lay.per_arena, config.species, strict=True)
        ]
        needs.append(_need(config, lay, (runs,), parts, at_once))
    return needs


def _need(config, lay: Layout, runs: tuple[str, ...], parts: list[int], at_once: int) -> Need:
    arena_part = at_once * arena_bytes(config)
    key, why = _biggest(config, lay, parts, arena_part, at_once)
    return Need(runs, int(sum(parts) + arena_part), key, why)


def genome_bytes(sp: SpeciesConfig) -> int:
    """One genome: depth x 2 x width float32 slopes."""
    return 4 * sp.brain.depth * 2 * sp.brain.width


def memory_bytes(sp: SpeciesConfig) -> int:
    """One agent's brain state: memory (value_size, width) and last reads (reads, value_size),
    float32."""
    mem = sp.memory
    return 4 * (mem.value_size * mem.width + mem.reads * mem.value_size) if mem.enabled else 0


def agent_bytes(sp: SpeciesConfig, genome_copies: int = GENOME_COPIES) -> int:
    """One agent of species `sp` in a World: genome copies, brain state, sensor inputs, row."""
    rows = 4 * sp.n_sensors + AGENT_ROW_BYTES
    return genome_copies * genome_bytes(sp) + memory_bytes(sp) + rows


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


def _biggest(config, lay: Layout, parts, arena_part, at_once: int) -> tuple[str, str]:
    """(key, text) naming what makes a need big: `parts[s]` are the bytes for species s,
    `arena_part` those of the `at_once` arenas in memory together.
    Blames one agent's size when that is further above the default species' than the agent
    count is above REFERENCE_AGENTS, else the agent count (or the arena count, when items and
    grids weigh most)."""
    from alife.config.models import SpeciesConfig

    agents = [lay.arenas * k for k in lay.per_arena]
    if arena_part >= sum(parts):
        per = size_text(arena_bytes(config))
        return lay.key, f"{at_once:,} arenas at once x {per} of items and grid"
    s = max(range(len(parts)), key=lambda i: parts[i])
    sp, n = config.species[s], agents[s]
    per_agent = parts[s] / max(1, n)
    each = f"{n:,} agents x {size_text(per_agent)}"
    if per_agent / agent_bytes(SpeciesConfig(name="x")) < lay.agents / REFERENCE_AGENTS:
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


def summary(config: WorldConfig) -> str:
    """What `validate` prints for a good world: its agents, work and memory."""
    lay = layout_of(config)
    agents = _plural(sum(lay.per_arena), "agent")
    if lay.arenas > 1:
        agents = f"{lay.arenas:,} arenas x {agents}"
    needs = estimate(config)
    if not lay.generational:
        return (f"open-ended: up to {agents}, up to {lay.agent_ticks:,} agent-ticks per chunk, "
                f"up to about {size_text(needs[0].bytes)}")  # fmt: skip
    memory = ", ".join(f"{size_text(n.bytes)} in {n.runs[0]}" for n in needs)
    return f"evolution: {agents}, {lay.agent_ticks:,} agent-ticks per generation, about {memory}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@contextlib.contextmanager
def checking(*runs: str, limit: int | None = None) -> Iterator[None]:
    """Within this block, `memory_problem` checks only the needs of `runs` (WINDOW, EVOLVE),
    against `limit` bytes if given (the CLI's --max-memory): a command checks the way it runs
    the world (evolve's batches may fit where the window's all-at-once does not)."""
    global _checked, _limit
    before = _checked, _limit
    _checked, _limit = frozenset(runs), _limit if limit is None else limit
    try:
        yield
    finally:
        _checked, _limit = before


def memory_problem(config: WorldConfig, limit: tuple[int, str] | None = None) -> str | None:
    """`key: message` for the first need (of the ways of running checked now, see `checking`)
    above `limit` ((bytes, how the limit was set); default memory_limit()), or None."""
    limit_bytes, source = memory_limit() if limit is None else limit
    for need in estimate(config):
        if need.bytes > limit_bytes and _checked.intersection(need.runs):
            who = " and ".join(need.runs)
            return (
                f"{need.key}: {who} {'need' if len(need.runs) > 1 else 'needs'} about "
                f"{size_text(need.bytes)} of memory ({need.why}), more than the "
                f"{size_text(limit_bytes)} allowed ({source})"
            )
    return None


def memory_limit() -> tuple[int, str]:
    """(bytes a world may use, how that was decided): the limit of `checking(limit=...)` (the
    CLI's --max-memory), else ALIFE_MAX_MEMORY (e.g. `64G`) if set, else SAFETY x the memory
    available now (/proc/meminfo MemAvailable, or the OS's count of
    free pages); unlimited if neither is known."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if _limit is not None or text:
        return _limit or parse_size(text), f"set by --max-memory / {MEMORY_ENV}"
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
