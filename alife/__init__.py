"""alife: an artificial-life lab whose agents think with fast-transform Neural Turing Machines.

docs/ explains the algorithms, the architecture and the file formats.
"""

__version__ = "0.1.0"
