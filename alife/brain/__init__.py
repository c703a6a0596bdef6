"""Brain kernels: fast transforms, fixed-filter-bank nets, hashed memory, NTM controllers.

Pure numerics, no world knowledge (docs/algorithms.md).
"""

from alife.brain.ffb import FFBNet, PreparedGenomes
from alife.brain.hashmem import HashMemory
from alife.brain.ntm import NTMController, NTMState
from alife.brain.wht import wht

__all__ = ["FFBNet", "HashMemory", "NTMController", "NTMState", "PreparedGenomes", "wht"]
