"""Pydantic models of a world file (docs/formats.md).

A world file describes the arena, food, poison, obstacles, an optional cue (for memory worlds),
the species (body, sensors, brain, memory, diet, scoring), the episode and the `evolution:`
section (its model lives in alife/config/evolution.py). Every model is strict (unknown keys are
errors) and frozen. Validators raise ValueError with a plain-language message; the loader turns
those into `WorldConfigError` with file:line:column and the key path.

Units: lengths in arena units, angles in degrees, time in ticks, energy in "meals"
(an agent is born with `energy.initial`, food gives `food.energy`).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from alife.config.base import StrictModel
from alife.config.evolution import EvolutionConfig
from alife.config.resources import layout_of

#: Limits that keep a world file from asking for more memory than a workstation has.
MAX_AGENTS = 2_000_000
MAX_ITEMS = 20_000_000

#: Built-in object classes a sensor can see (besides species names and "agent").
BUILTIN_CLASSES = ("wall", "food", "poison", "agent")


def _power_of_two(value: int, what: str) -> int:
    if value < 1 or value & (value - 1):
        lower = 1 << max(0, value.bit_length() - 1)
        raise ValueError(
            f"{what} must be a power of two (1, 2, 4, 8, ...); got {value}, try {lower} or "
            f"{lower * 2}"
        )
    return value


class ArenaConfig(StrictModel):
    """The rectangle the agents live in. Many identical, independent copies can run at once."""

    width: float = Field(400.0, gt=0.0, le=100_000.0, description="arena width")
    height: float = Field(400.0, gt=0.0, le=100_000.0, description="arena height")
    boundary: Literal["walls", "wrap"] = Field(
        "walls", description="walls: the edges block and are seen; wrap: leave right, enter left"
    )
    count: int = Field(
        1,
        ge=1,
        le=100_000,
        description="independent copies of the arena run side by side (the window and "
        "open-ended runs; generational evolution sets its own number in evolution.arenas)",
    )


class PatchesConfig(StrictModel):
    """Food grows only near a few patch centres, drawn at random once per episode (or fixed
    places: `centres`)."""

    count: int = Field(3, ge=1, le=64, description="patch centres per arena")
    radius: float = Field(30.0, gt=0.0, description="items appear within this distance")
    centres: list[tuple[float, float]] | None = Field(
        None,
        max_length=64,
        description="fixed patch centres [x, y], the same every episode and arena, one per "
        "patch (as many as count); null: drawn anew every episode",
    )

    @model_validator(mode="after")
    def _centres(self) -> PatchesConfig:
        if self.centres is not None and len(self.centres) != self.count:
            raise ValueError(
                f"centres lists {len(self.centres)} positions but count is {self.count}"
            )
        return self


class SeasonsConfig(StrictModel):
    """Regrowth that rises and falls on a schedule: at tick t the regrowth chance is
    regrowth * (1 + amplitude * sin(2 pi t / period)), so it averages `regrowth` over a year."""

    period: int = Field(2000, ge=2, le=10_000_000, description="ticks from one spring to the next")
    amplitude: float = Field(
        0.8, ge=0.0, le=1.0, description="swing as a fraction of regrowth (1: nothing grows "
        "in the depth of winter, twice as much at the height of summer)"
    )

    def factor(self, tick: int) -> float:
        """Regrowth at `tick` as a multiple of `regrowth`."""
        return 1.0 + self.amplitude * math.sin(2.0 * math.pi * (tick % self.period) / self.period)

    def season(self, tick: int) -> str:
        """spring (regrowth rising through its mean), summer (its peak), autumn, winter."""
        eighth = int(8 * (tick % self.period) / self.period)
        return ("spring", "summer", "summer", "autumn", "autumn", "winter", "winter",
                "spring")[eighth]  # fmt: skip


class ItemConfig(StrictModel):
    """Food or poison items: eaten on touch, they regrow in empty slots over time."""

    count: int = Field(0, ge=0, le=100_000, description="items per arena at the start")
    max_count: int | None = Field(
        None, ge=0, le=100_000, description="most items an arena can hold (default: count)"
    )
    energy: float = Field(0.3, ge=0.0, description="energy gained (food) or lost (poison)")
    radius: float = Field(3.0, gt=0.0, description="item size")
    regrowth: float = Field(
        0.0, ge=0.0, le=1.0, description="chance per tick that an empty slot grows a new item"
    )
    patches: PatchesConfig | None = Field(
        None, description="grow items only around a few fixed places (null: anywhere)"
    )
    seasons: SeasonsConfig | None = Field(
        None, description="regrowth that varies over a yearly cycle (null: the same every tick)"
    )

    @property
    def capacity(self) -> int:
        return self.count if self.max_count is None else self.max_count

    @model_validator(mode="after")
    def _capacity(self) -> ItemConfig:
        if self.max_count is not None and self.max_count < self.count:
            raise ValueError(f"max_count ({self.max_count}) is smaller than count ({self.count})")
        return self


class CircleObstacle(StrictModel):
    """A round rock: blocks movement and sight."""

    x: float = Field(description="centre x")
    y: float = Field(description="centre y")
    radius: float = Field(gt=0.0, description="radius")


class RectObstacle(StrictModel):
    """A wall segment / box: blocks movement and sight. (x, y) is its lower-left corner."""

    x: float = Field(description="left edge")
    y: float = Field(description="bottom edge")
    width: float = Field(gt=0.0, description="size along x")
    height: float = Field(gt=0.0, description="size along y")


class ObstaclesConfig(StrictModel):
    """Fixed obstacles, the same in every arena."""

    circles: list[CircleObstacle] = Field(default_factory=list, max_length=256)
    rects: list[RectObstacle] = Field(default_factory=list, max_length=256)


class CueConfig(StrictModel):
    """A memory task: one of two lights shows for the first ticks and points at the goal.

    Each episode and arena picks a goal. With 2 goals one light shows (0 = first light/goal,
    1 = second); with 4 (or 8) goals a sequence of 2 (or 3) lights shows, show_ticks each, one
    binary choice per junction: goal index = the lights' sides read as a binary number, first
    light first (4 goals: 2 x first + second). While the cue shows, agents can be held in place;
    when it goes off their pose is reset to where they started, so the only place the cue can
    survive is the brain's memory.
    """

    lights: list[tuple[float, float]] = Field(
        min_length=2, max_length=2, description="positions of the two cue lights"
    )
    goals: list[tuple[float, float]] = Field(
        min_length=2,
        max_length=8,
        description="2, 4 or 8 goal positions; with 2 goals goal i matches light i, with more "
        "the cue is a sequence of lights (goal index = their sides, first light the highest bit)",
    )
    goal_radius: float = Field(20.0, gt=0.0, description="reaching within this counts")
    show_ticks: int = Field(5, ge=1, description="ticks the cue light is on")
    hold_agents: bool = Field(
        True, description="agents cannot move while the cue shows; afterwards pose is reset"
    )
    stop_at_goal: bool = Field(
        True, description="an agent that reaches either goal stops there (one choice only)"
    )
    food_at_goal: bool = Field(
        True, description="put one food item at the correct goal (drawn; eaten on arrival)"
    )
    balanced: bool = Field(
        False,
        description="generational runs: a genome's evolution.episodes walk through the goals in "
        "turn from one drawn at random, so with episodes a multiple of the goal count it meets "
        "every goal equally often and a cue-blind agent scores the same every generation "
        "(false: every episode's goal is drawn at random)",
    )
    swap_roles: bool = Field(
        False,
        description="the cue also says which look nourishes: with the first goal's light the "
        "food-looking items are good, with the second's food and poison trade roles (as with "
        "the world's `swap`; 2 goals only, and then the world's swap must be 0)",
    )

    @field_validator("goals")
    @classmethod
    def _goal_count(cls, value):
        if len(value) not in (2, 4, 8):
            raise ValueError(f"goals must list 2, 4 or 8 positions (got {len(value)})")
        return value

    @property
    def steps(self) -> int:
        """Lights shown one after another (1 for 2 goals, 2 for 4, 3 for 8)."""
        return len(self.goals).bit_length() - 1

    @property
    def show_until(self) -> int:
        """The first tick after the whole cue sequence."""
        return self.steps * self.show_ticks


class BodyConfig(StrictModel):
    """The agent's body and movement limits."""

    radius: float = Field(5.0, gt=0.0, description="body radius")
    max_speed: float = Field(3.0, gt=0.0, description="distance per tick at full thrust")
    reverse: float = Field(0.25, ge=0.0, le=1.0, description="backward speed as a fraction")
    max_turn: float = Field(20.0, gt=0.0, le=180.0, description="degrees per tick at full turn")
    collide: bool = Field(True, description="agents push each other apart")


class SensorConfig(StrictModel):
    """What an agent senses each tick. Rays report, per object class, how near the nearest hit
    is (1 = touching, 0 = nothing in range). Walls hide what is behind them."""

    rays: int = Field(8, ge=1, le=64, description="number of sight rays")
    fov: float = Field(120.0, gt=0.0, le=360.0, description="field of view in degrees")
    range: float = Field(80.0, gt=0.0, description="how far the rays see")
    sees: list[str] = Field(
        default_factory=lambda: ["wall", "food", "poison", "agent"],
        min_length=1,
        max_length=16,
        description="object classes the rays report: wall, food, poison, agent (any agent) "
        "or a species name",
    )
    energy: bool = Field(True, description="an input with the agent's own energy")
    speed: bool = Field(True, description="an input with the agent's own speed")
    clock: bool = Field(True, description="two inputs: sin and cos of a clock")
    clock_period: int = Field(50, ge=2, description="clock period in ticks")
    cue: bool = Field(False, description="two inputs: which cue light is on (cue worlds)")
    taste: bool = Field(
        False,
        description="two inputs, one per item look (food, poison): on the tick after eating an "
        "item of that look, +1 if it was good, -1 if it was bad (else 0); with `swap` the "
        "looks' roles are drawn per episode, so only tasting tells them apart",
    )
    dawn: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="one input that, for the first `dawn` ticks of an episode, says which look "
        "nourishes in the agent's arena (+1 food-looking, -1 poison-looking: the world's `swap` "
        "drew it) and is 0 afterwards (0: no input)",
    )

    @field_validator("sees")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"sees lists a class twice: {value}")
        return value


class BrainConfig(StrictModel):
    """The fixed-filter-bank net: `depth` layers of width `width` (a power of two)."""

    width: int = Field(64, ge=4, le=4096, description="net width (power of two)")
    depth: int = Field(3, ge=1, le=16, description="number of switch layers")

    @field_validator("width")
    @classmethod
    def _pow2(cls, value: int) -> int:
        return _power_of_two(value, "width")


class MemoryConfig(StrictModel):
    """The hashed associative memory the brain reads and writes (zeroed at birth)."""

    enabled: bool = Field(True, description="false = memory-off ablation (reads are zero)")
    width: int = Field(256, ge=4, le=65_536, description="hash width m (power of two)")
    key_size: int = Field(16, ge=1, le=1024, description="key length the net outputs")
    value_size: int = Field(8, ge=1, le=256, description="numbers stored per item")
    rounds: int = Field(2, ge=1, le=16, description="hash rounds (1 = locality-sensitive)")
    mode: Literal["sign", "reservoir"] = Field("sign", description="hash output kind")
    reads: int = Field(2, ge=1, le=16, description="read heads (addresses read per tick)")
    addressing: Literal["content", "location", "both"] = Field(
        "content",
        description="how the heads address memory: content (hashed keys), location (each head "
        "has a position on a tape of `width` cells that it shifts by -1/0/+1 or sends home), "
        "or both (a per-head gate mixes the key's address and the position's)",
    )

    @property
    def head_outputs(self) -> int:
        """Net outputs per head: key (unless location), shift 3 + home 1 (unless content),
        interpolation 1 (both)."""
        key = 0 if self.addressing == "location" else self.key_size
        return key + 4 * (self.addressing != "content") + (self.addressing == "both")

    @field_validator("width")
    @classmethod
    def _pow2(cls, value: int) -> int:
        return _power_of_two(value, "width")

    @model_validator(mode="after")
    def _key(self) -> MemoryConfig:
        if self.key_size > self.width:
            raise ValueError(f"key_size ({self.key_size}) must not exceed width ({self.width})")
        return self


class EnergyConfig(StrictModel):
    """Energy budget: an agent dies when its energy reaches zero."""

    initial: float = Field(1.0, gt=0.0, description="energy at birth / episode start")
    max: float = Field(2.0, gt=0.0, description="energy cap (extra food is wasted)")
    base_cost: float = Field(0.002, ge=0.0, description="spent every tick just living")
    move_cost: float = Field(0.002, ge=0.0, description="per tick at full speed (x speed^2)")
    brain_cost: float = Field(
        0.0, ge=0.0, description="per tick per 1000 brain parameters (big brains cost)"
    )
    max_age: int = Field(0, ge=0, description="die of old age after this many ticks (0: never)")

    @model_validator(mode="after")
    def _cap(self) -> EnergyConfig:
        if self.initial > self.max:
            raise ValueError(f"initial ({self.initial}) exceeds max ({self.max})")
        return self


class SpawnConfig(StrictModel):
    """Where agents start. area = [x0, y0, x1, y1] (null: anywhere free)."""

    area: tuple[float, float, float, float] | None = Field(None, description="x0, y0, x1, y1")
    heading: float | None = Field(None, description="start heading in degrees (null: random)")

    @field_validator("area")
    @classmethod
    def _area(cls, value):
        if value is not None and (value[2] < value[0] or value[3] < value[1]):
            raise ValueError(f"area must be [x0, y0, x1, y1] with x0 <= x1 and y0 <= y1: {value}")
        return value


class ScoringConfig(StrictModel):
    """How an agent's episode score (fitness) is summed."""

    food: float = Field(1.0, description="per food item eaten")
    poison: float = Field(-1.0, description="per poison item eaten")
    prey: float = Field(0.0, description="per prey agent caught")
    survival: float = Field(0.0, description="per tick alive")
    energy: float = Field(0.0, description="per unit of energy left at the end")
    success: float = Field(0.0, description="cue worlds: reaching the goal the cue showed")
    failure: float = Field(0.0, description="cue worlds: reaching the other goal")
    approach: float = Field(
        0.0,
        description="cue worlds: times how much closer than at the start the agent came to "
        "a goal (0..1; a learning aid; which goal: approach_to)",
    )
    approach_to: Literal["either", "cued"] = Field(
        "either",
        description="cue worlds: the approach score measures the nearest goal (either: does "
        "not favour a side) or the goal the cue showed (cued: rewards steps the right way)",
    )


class SpeciesConfig(StrictModel):
    """One kind of agent. Agents of a species share body, senses and brain shape."""

    name: str = Field(min_length=1, max_length=40, description="species name")
    count: int = Field(20, ge=1, le=1_000_000, description="agents per arena at the start")
    color: tuple[int, int, int] = Field((80, 170, 255), description="drawing colour (R, G, B)")
    body: BodyConfig = Field(default_factory=BodyConfig)
    energy: EnergyConfig = Field(default_factory=EnergyConfig)
    sensors: SensorConfig = Field(default_factory=SensorConfig)
    brain: BrainConfig = Field(default_factory=BrainConfig)
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    signal: bool = Field(False, description="three extra outputs: an emitted colour")
    eats: list[str] = Field(
        default_factory=lambda: ["food", "poison"],
        description="what touching eats: food, poison and/or species names (prey)",
    )
    prey_energy: float = Field(
        0.8, ge=0.0, le=1.0, description="fraction of a caught prey's energy gained"
    )
    spawn: SpawnConfig = Field(default_factory=SpawnConfig)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)

    @field_validator("color")
    @classmethod
    def _color(cls, value):
        if any(not 0 <= c <= 255 for c in value):
            raise ValueError(f"color components must be 0..255: {list(value)}")
        return value

    @property
    def n_motors(self) -> int:
        return 2 + (3 if self.signal else 0)

    @property
    def n_sensors(self) -> int:
        s = self.sensors
        return (
            s.rays * len(s.sees) + int(s.energy) + int(s.speed) + 2 * int(s.clock) + 2 * int(s.cue)
            + 2 * int(s.taste) + int(s.dawn > 0)
        )

    @model_validator(mode="after")
    def _fits_brain(self) -> SpeciesConfig:
        mem, w = self.memory, self.brain.width
        reads = mem.reads * mem.value_size if mem.enabled else 0
        n_in = self.n_sensors + reads + 1
        if n_in > w:
            raise ValueError(
                f"species '{self.name}': {n_in} brain inputs ({self.n_sensors} sensors + "
                f"{reads} memory reads + 1 bias) do not fit brain.width {w}; use fewer rays "
                f"or classes, or a wider brain"
            )
        n_out, parts = self.n_motors, f"{self.n_motors} motors"
        if mem.enabled:
            n_out += (mem.reads + 1) * mem.head_outputs + mem.value_size + 1
            head = {"content": "key_size", "location": "shift 3 + home 1",
                    "both": "key_size + shift 3 + home 1 + interpolation 1"}[mem.addressing]
            parts += (f" + {mem.reads + 1} memory heads x {mem.head_outputs} ({head}; "
                      f"{mem.addressing} addressing) + value_size {mem.value_size} + 1 gate")
        if n_out > w:
            raise ValueError(
                f"species '{self.name}': {n_out} brain outputs ({parts}) do not fit "
                f"brain.width {w}; use a smaller key_size or fewer reads, or a wider brain"
            )
        return self


class EpisodeConfig(StrictModel):
    """How long one evaluation lasts (generational mode)."""

    length: int = Field(500, ge=1, le=10_000_000, description="ticks per episode")


class WorldConfig(StrictModel):
    """A whole world file."""

    name: str = Field("world", max_length=80, description="a short name shown in the window")
    description: str = Field("", description="free text")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="random seed (same seed, same run)")
    arena: ArenaConfig = Field(default_factory=ArenaConfig)
    food: ItemConfig = Field(default_factory=lambda: ItemConfig(count=40, regrowth=0.01))
    poison: ItemConfig = Field(default_factory=lambda: ItemConfig(count=0, energy=0.3))
    obstacles: ObstaclesConfig = Field(default_factory=ObstaclesConfig)
    cue: CueConfig | None = Field(None, description="a memory cue (T-maze style worlds)")
    swap: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="chance, per episode and arena, that food and poison trade roles: items "
        "keep their look (colour, ray class, size, place) but then eating a food-looking item "
        "costs poison.energy and scores as poison, and a poison-looking one nourishes with "
        "food.energy and scores as food (0: never)",
    )
    swap_balanced: bool = Field(
        False,
        description="generational runs: a genome's evolution.episodes alternate the roles, "
        "starting from one drawn with chance `swap`, so with an even number of episodes every "
        "genome meets both equally often and a forager that always prefers one look scores "
        "the same every generation (false: every episode's roles are drawn on their own)",
    )
    species: list[SpeciesConfig] = Field(min_length=1, max_length=8)
    episode: EpisodeConfig = Field(default_factory=EpisodeConfig)
    evolution: EvolutionConfig = Field(default_factory=EvolutionConfig)

    @property
    def roles_can_swap(self) -> bool:
        """Whether food and poison can trade roles in an episode (`swap` or `cue.swap_roles`)."""
        return self.swap > 0 or (self.cue is not None and self.cue.swap_roles)

    @property
    def species_names(self) -> list[str]:
        return [s.name for s in self.species]

    @model_validator(mode="after")
    def _cross_check(self) -> WorldConfig:
        names = self.species_names
        if len(set(names)) != len(names):
            raise ValueError(f"species names must be unique: {names}")
        for name in names:
            if name in BUILTIN_CLASSES:
                raise ValueError(f"species name '{name}' is reserved (a built-in class name)")
        valid_sees = list(BUILTIN_CLASSES) + names
        valid_eats = ["food", "poison"] + names
        w, h = self.arena.width, self.arena.height
        for i, sp in enumerate(self.species):
            for c in sp.sensors.sees:
                if c not in valid_sees:
                    raise ValueError(
                        f"species[{i}].sensors.sees: unknown class '{c}' (choose from {valid_sees})"
                    )
            for e in sp.eats:
                if e not in valid_eats:
                    raise ValueError(
                        f"species[{i}].eats: unknown item '{e}' (choose from {valid_eats})"
                    )
            if sp.name in sp.eats:
                raise ValueError(f"species[{i}].eats: a species cannot eat itself ('{sp.name}')")
            if sp.sensors.cue and self.cue is None:
                raise ValueError(f"species[{i}].sensors.cue is true but the world has no cue")
            if sp.body.radius * 2 >= min(w, h):
                raise ValueError(f"species[{i}].body.radius is too big for the arena")
            a = sp.spawn.area
            if a is not None and (a[0] < 0 or a[1] < 0 or a[2] > w or a[3] > h):
                raise ValueError(
                    f"species[{i}].spawn.area {list(a)} is outside the arena (0, 0, {w}, {h})"
                )
        for j, c in enumerate(self.obstacles.circles):
            if not (0 <= c.x <= w and 0 <= c.y <= h):
                raise ValueError(f"obstacles.circles[{j}] centre is outside the arena")
        for j, r in enumerate(self.obstacles.rects):
            if r.x < 0 or r.y < 0 or r.x + r.width > w or r.y + r.height > h:
                raise ValueError(f"obstacles.rects[{j}] reaches outside the arena")
        if self.cue is not None:
            for p in list(self.cue.lights) + list(self.cue.goals):
                if not (0 <= p[0] <= w and 0 <= p[1] <= h):
                    raise ValueError(f"cue position {list(p)} is outside the arena")
            if self.cue.swap_roles and len(self.cue.goals) != 2:
                raise ValueError("cue.swap_roles needs 2 goals (one per role)")
            if self.cue.swap_roles and (self.swap > 0 or self.swap_balanced):
                raise ValueError("cue.swap_roles: the cue decides the roles, so swap must be 0 "
                                 "and swap_balanced false")
        for name, kind in (("food", self.food), ("poison", self.poison)):
            for p in (kind.patches.centres or []) if kind.patches else []:
                if not (0 <= p[0] <= w and 0 <= p[1] <= h):
                    raise ValueError(f"{name}.patches.centres: {list(p)} is outside the arena")
        self._check_sizes()
        return self

    def _check_sizes(self) -> None:
        """The agents and item slots of the file's arena.count arenas (a World of the file)
        and of its evolution (alife.config.resources.layout_of: a generation's arenas, or an
        open-ended world's at their most) stay within MAX_AGENTS and MAX_ITEMS. Messages start
        with the key to change."""
        try:
            lay = layout_of(self)
        except ValueError as err:
            raise ValueError(f"evolution.{err}") from None
        counts = [s.count for s in self.species]
        big = max(range(len(counts)), key=lambda s: counts[s])
        file_key = "arena.count" if self.arena.count > 1 else f"species[{big}].count"
        slots = self.food.capacity + self.poison.capacity
        for key, what, arenas, per, how in (
            (file_key, "the world", self.arena.count, sum(counts), "arena.count x species counts"),
            (lay.key, "a generation" if lay.generational else "the world", lay.arenas,
             sum(lay.per_arena), lay.how),
        ):  # fmt: skip
            held = f"{key}: {what} would hold {arenas:,} arena{'s' * (arenas != 1)} x"
            if arenas * per > MAX_AGENTS:
                raise ValueError(
                    f"{held} {per:,} agents = {arenas * per:,} agents ({how}), more than "
                    f"{MAX_AGENTS:,}"
                )
            if arenas * slots > MAX_ITEMS:
                raise ValueError(
                    f"{held} {slots:,} food and poison slots = {arenas * slots:,}, more than "
                    f"{MAX_ITEMS:,}"
                )
