"""Copy with location heads is within reach of the net: the algorithm is a handful of sign and
argmax conditions on a few input patterns, and the experiment's own evolution loop finds a genome
that meets them when it is selected on them directly."""

import numpy as np

from alife.config.evolution import EvolutionConfig
from alife.evolve import loop
from alife.evolve.evaluate import Result
from alife.experiments.ntm_tasks import BRAIN, EVOLUTION, Task, make_controller, play

ADVANCE, STAY = 2, 1  # argmax of a head's shift logits: +1, 0


def copy_conditions(ctrl, genomes: np.ndarray) -> np.ndarray:
    """(P, 14) bool: which conditions of the copy algorithm each genome's net meets.

    Inputs x = [bit, store, recall, delimiter, read, bias]. The algorithm (write head moves,
    then writes; the read head moves, then reads): store ticks - the write head advances and
    does not go home, the read head stays (at cell 0, which is never written, so it reads 0);
    recall ticks (the first with the delimiter and the read 0) - both heads advance without
    going home; the motor follows the read in later recall ticks and in the last tick (no
    flags). The read of a stored bit b is
    the cell sigmoid(gate) * value written with it; the motor must tell the two cells apart."""
    lay = ctrl.layout
    read, write = lay.head(0), lay.head(1)

    def net(bit, store, recall, r, delimiter=0.0):
        x = np.zeros((genomes.shape[0], 6), np.float32)
        x[:] = [bit, store, recall, delimiter, 0.0, 1.0]
        x[:, 4] = r
        return ctrl.net.forward(genomes, x)

    def moves(y, head, shift):
        return (y[:, head: head + 3].argmax(axis=1) == shift) & (y[:, head + 3] <= 0)

    out, cells = [], {}
    for bit in (1.0, -1.0):
        y = net(bit, 1.0, 0.0, 0.0)
        out += [moves(y, write, ADVANCE), y[:, read: read + 3].argmax(axis=1) == STAY]
        cells[bit] = y[:, lay.value] / (1.0 + np.exp(-y[:, lay.gate]))
    for r, delimiter in ((0.0, 1.0), (cells[1.0], 0.0), (cells[-1.0], 0.0)):
        y = net(0.0, 0.0, 1.0, r, delimiter)
        out += [moves(y, read, ADVANCE), moves(y, write, ADVANCE)]
    for bit in (1.0, -1.0):
        for recall in (1.0, 0.0):
            out.append(np.sign(net(0.0, 0.0, recall, cells[bit])[:, 0]) == bit)
    return np.stack(out, axis=1)


def test_evolution_finds_copy_when_selected_on_its_conditions():
    """Not every seed gets there within the cap (the net's input signs and the run's seed
    matter); this one does, which is what the test is for: the algorithm is reachable by the
    experiment's mutation and selection."""
    task = Task("copy")
    ctrl = make_controller(task, "location", seed=2, **BRAIN)

    def evaluate(generation, genomes):
        met = copy_conditions(ctrl, genomes[0]).sum(axis=1).astype(float)
        return Result((met,), 0, ((met == 14).astype(float),))

    solved = None
    for gen, result in loop.evolve(evaluate, loop.first_generation([ctrl], 1, [64]), 1,
                                   EvolutionConfig(**EVOLUTION), 1000):
        if result.fitness[0].max() == 14:
            solved = gen.genomes[0][int(np.argmax(result.fitness[0]))]
            break
    assert solved is not None
    for length in (1, 8, 64):
        sens, tgt = task.episodes(np.random.default_rng(length), 50, length)
        _, ok, _ = play(ctrl, solved[None], sens, tgt)
        assert ok.all()  # every bit of every episode; no episode was selected on
