"""alife: an artificial-life lab whose agents think with fast-transform Neural Turing Machines.

See DESIGN.md in the project's shared folder for the algorithms and architecture.
"""

__version__ = "0.1.0"
