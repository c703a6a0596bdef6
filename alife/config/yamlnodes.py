"""YAML parsing that keeps positions: `yaml.safe_load` semantics plus the node tree with marks.

PyYAML's SafeLoader first *composes* a node tree (every node carries a 0-based start mark) and
then *constructs* plain Python data from it. We keep both, so a validation error found at a data
path can be reported at the line and column of the node it came from (the approach of
neat-python / Polyworld style strict configs: errors carry file:line:column).

Checks made here, on the node tree, before any data is built:
- duplicate keys in one mapping (PyYAML silently keeps the last one);
- aliases that refer to themselves or expand to an absurd number of values ("alias bombs").
Anchors, aliases and merge keys (`<<: *base`) are otherwise fine. Only the safe tags exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_EXPANDED_NODES = 1_000_000  # values after alias expansion; far beyond any real world file
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Problem(NamedTuple):
    """One problem at a 1-based line and column of the file."""

    line: int
    column: int
    text: str


class YamlProblems(Exception):
    """Raised by `parse` with the problems found (internal; the loader turns it into an
    `alife.errors.WorldConfigError`)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.text for p in problems))
        self.problems = problems


class _PositionLoader(yaml.SafeLoader):
    """SafeLoader whose constructor errors always carry the position of the offending node.

    A few safe constructors raise plain exceptions on odd input (e.g. `2026-13-45` matches the
    timestamp pattern, then `datetime.date` raises ValueError); we re-raise them as marked
    ConstructorErrors so the user sees where.
    """

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as err:  # noqa: BLE001 - any constructor failure is a user input error
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read value {node.value!r} ({err})", node.start_mark
            ) from err


@dataclass
class Document:
    """A parsed YAML document: constructed `data` plus the composed `node` tree it came from."""

    data: Any
    node: Node
    loader: _PositionLoader  # kept to construct mapping keys while walking the tree

    def key_value(self, key_node: Node) -> Any:
        """The Python value of a scalar mapping key (as `safe_load` would construct it)."""
        if not isinstance(key_node, ScalarNode):
            return _Unmatchable
        try:
            return self.loader.construct_object(key_node, deep=True)
        except Exception:  # noqa: BLE001 - unreadable keys never match a path element
            return _Unmatchable


class _Unmatchable:
    """Sentinel for keys that can never equal an error location element."""


def mark_position(mark: Any) -> tuple[int, int]:
    """1-based (line, column) of a PyYAML mark (0-based internally)."""
    return mark.line + 1, mark.column + 1


def node_position(node: Node) -> tuple[int, int]:
    """1-based (line, column) where a node starts."""
    return mark_position(node.start_mark)


def parse(text: str) -> Document | None:
    """Compose and construct one YAML document; None when the text holds no document.

    Raises `YamlProblems` for syntax errors, duplicate keys, recursive or exploding aliases and
    values the safe constructor cannot build.
    """
    loader = None
    try:
        try:
            loader = _PositionLoader(text)
            node = loader.get_single_node()
            if node is None:
                return None
            problems = find_duplicate_keys(node)
            if problems:
                raise YamlProblems(problems)
            _check_expansion(node)
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as err:
            raise YamlProblems([_syntax_problem(err)]) from None
        except yaml.reader.ReaderError as err:
            line, col = _offset_position(text, err.position)
            char = chr(err.character) if isinstance(err.character, int) else err.character
            what = f"character {char!r} is not allowed in a YAML file"
            raise YamlProblems([Problem(line, col, what)]) from None
        except yaml.YAMLError as err:
            raise YamlProblems([Problem(1, 1, f"YAML error: {err}")]) from None
        except RecursionError:
            raise YamlProblems([Problem(1, 1, "the YAML is nested too deeply")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(data=data, node=node, loader=loader)


_HINTS = (
    ("<block end>", "check the indentation of this line"),
    ("mapping values are not allowed", "quote values that contain ': ', or check the indentation"),
    ("quoted scalar", "a quote is not closed"),
    ("\\t", "indent with spaces, not tabs"),  # the message shows the tab as a repr
)


def _syntax_problem(err: yaml.MarkedYAMLError) -> Problem:
    """A parser/scanner/composer/constructor error as a Problem at its mark, with a hint."""
    mark = err.problem_mark or err.context_mark
    line, col = mark_position(mark) if mark is not None else (1, 1)
    problem = (err.problem or "invalid YAML").strip()
    context = (err.context or "").strip()
    where = ""
    if context and err.context_mark is not None and err.context_mark is not mark:
        cline, ccol = mark_position(err.context_mark)
        where = f" at line {cline}, column {ccol}"
    if context and not context.startswith("while"):  # e.g. "expected a single document ..."
        text = f"{context}{where}, {problem}"
    elif context:
        text = f"{problem} ({context}{where})"
    else:
        text = problem
    hints = [hint for key, hint in _HINTS if key in problem + context]
    return Problem(line, col, "YAML syntax error: " + text + "".join(f"; {h}" for h in hints))


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset into `text`."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def find_duplicate_keys(root: Node) -> list[Problem]:
    """Problems for every key that appears twice in one mapping (merge keys `<<` excepted)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                    continue
                key = (key_node.tag, key_node.value)
                if key in first:
                    line, col = node_position(key_node)
                    fline = node_position(first[key])[0]
                    problems.append(
                        Problem(
                            line,
                            col,
                            f"duplicate key {key_node.value!r} (first defined at line {fline}; "
                            "YAML would silently keep only the last one)",
                        )
                    )
                else:
                    first[key] = key_node
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    problems.sort()
    return problems


def _check_expansion(root: Node) -> None:
    """Reject aliases that contain themselves or expand beyond MAX_EXPANDED_NODES values."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            line, col = node_position(node)
            raise YamlProblems([Problem(line, col, "an anchor refers to itself (recursive alias)")])
        active.add(key)
        total = 1
        if isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                total += size(item)
        active.discard(key)
        if total > MAX_EXPANDED_NODES:
            line, col = node_position(node)
            raise YamlProblems(
                [Problem(line, col, f"aliases expand to more than {MAX_EXPANDED_NODES} values")]
            )
        sizes[key] = total
        return total

    size(root)
