"""Brain kernels: fast transforms, fixed-filter-bank nets, hashed memory, NTM controllers."""

from alife.brain.wht import wht

__all__ = ["wht"]
