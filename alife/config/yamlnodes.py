"""YAML parsing that keeps positions: `yaml.safe_load` semantics plus the node tree with marks.

PyYAML's SafeLoader first *composes* a node tree (every node carries a 0-based start mark) and
then *constructs* plain Python data from it. We keep both, so a validation error found at a data
path can be reported at the line and column of the node it came from (the approach of
neat-python / Polyworld style strict configs: errors carry file:line:column).

The tree is composed by libyaml (PyYAML's C parser) when it is installed; a text libyaml rejects
is parsed again by the pure-Python parser, whose messages are clearer (and whose verdict
counts). Marks are the same with both, and so is the data (both use the same constructor).

Checks made here, on the node tree, before any data is built:
- duplicate keys in one mapping (PyYAML silently keeps the last one);
- aliases that refer to themselves, and more than MAX_VALUES values in all (counted with aliases
  expanded, so "alias bombs" and absurdly long lists are refused before they are built).
Anchors, aliases and merge keys (`<<: *base`) are otherwise fine. Only the safe tags exist.
A scalar the safe constructor cannot build (`2026-13-45`, a number with millions of digits) is
reported at its key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: Values (scalars, lists, mappings, with aliases expanded) a file may hold. The largest world
#: the models accept (8 species, 256 circles, 256 rects, every key written) has about 6,000.
MAX_VALUES = 100_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"
SHOWN_CHARS = 60  # longest rendering of one value in a message
_NAME = re.compile(r"[A-Za-z_][\w-]*")  # keys shown as .name in a key path


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


class BadValue(yaml.YAMLError):
    """A scalar the safe constructor could not build (raised while constructing)."""

    def __init__(self, node: Node, text: str):
        super().__init__(text)
        self.node = node
        self.text = text


class _Constructing:
    """Constructor mixin: a safe constructor's plain exception on odd input (`2026-13-45` matches
    the timestamp pattern, then `datetime.date` raises ValueError) becomes a BadValue that
    carries the offending node."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as err:  # noqa: BLE001 - any constructor failure is a user input error
            raise BadValue(node, _unreadable(node, err)) from None


class _PositionLoader(_Constructing, yaml.SafeLoader):
    """The pure-Python safe loader (the reference for what a file means)."""


if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(_Constructing, yaml.CSafeLoader):
        """libyaml's parser with the same constructor and resolver."""

else:
    _FastLoader = None


def _unreadable(node: Node, err: Exception) -> str:
    """What is wrong with a scalar the constructor rejected, showing what the file says."""
    written = elide(str(node.value))
    if node.tag == _INT_TAG and "digits" in str(err):
        digits = sum(c.isdigit() for c in str(node.value))
        return f"a number with {digits:,} digits is far too big (got {written})"
    if node.tag == _TIMESTAMP_TAG:
        return (
            f"{written} looks like a date but is not a valid one ({err}); "
            "put it in quotes if it is meant as text"
        )
    return f"cannot read the value {written} ({elide(str(err))})"


def elide(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` cut to about `limit` characters: head ... tail, with the full length."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}...{text[-8:]} ({len(text):,} characters)"


@dataclass
class Document:
    """A parsed YAML document: constructed `data` plus the composed `node` tree it came from."""

    data: Any
    node: Node
    loader: yaml.SafeLoader  # kept to construct mapping keys while walking the tree
    _index: dict[int, tuple[dict, dict, dict]] = field(default_factory=dict, repr=False)

    def key_value(self, key_node: Node) -> Any:
        """The Python value of a scalar mapping key (as `safe_load` would construct it)."""
        if not isinstance(key_node, ScalarNode):
            return _Unmatchable
        if key_node.tag == _STR_TAG:
            return key_node.value
        try:
            return self.loader.construct_object(key_node, deep=True)
        except Exception:  # noqa: BLE001 - unreadable keys never match a path element
            return _Unmatchable

    def find_pair(self, node: Any, elem: Any) -> tuple[Node | None, Node | None]:
        """(key node, value node) of the entry for data key `elem` in mapping `node`; the last
        one wins, like YAML. A key equal in value and type matches first, then one equal in
        value, then one equal as text. (None, None) if there is none. Each mapping's keys are
        constructed and indexed once, so finding many keys costs O(1) each."""
        if not isinstance(node, MappingNode):
            return None, None
        index = self._index.get(id(node))
        if index is None:
            index = self._index[id(node)] = self._index_pairs(node)
        exact, equal, text = index
        try:
            pair = exact.get((type(elem), elem)) or equal.get(elem)
        except TypeError:  # an unhashable element never names a key
            return None, None
        return pair or text.get(_as_text(elem)) or (None, None)

    def _index_pairs(self, node: MappingNode) -> tuple[dict, dict, dict]:
        exact: dict = {}
        equal: dict = {}
        text: dict = {}
        for pair in node.value:
            key = self.key_value(pair[0])
            if key is _Unmatchable:
                continue
            try:
                exact[(type(key), key)] = pair
                equal[key] = pair
            except TypeError:
                pass
            text[_as_text(key)] = pair
        return exact, equal, text


def _as_text(value: Any) -> str | None:
    try:
        return str(value)
    except ValueError:  # an integer too long to print
        return None


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

    Raises `YamlProblems` for syntax errors, duplicate keys, recursive aliases, more than
    MAX_VALUES values and values the safe constructor cannot build.
    """
    loader = None
    try:
        try:
            loader, node = _compose(text)
            if node is None:
                return None
            check_tree(node)
            data = loader.construct_document(node)
        except BadValue as err:
            line, col = node_position(err.node)
            path = node_path(node, err.node)
            what = f"{path}: {err.text}" if path else err.text
            raise YamlProblems([Problem(line, col, what)]) from None
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


def _compose(text: str) -> tuple[yaml.SafeLoader, Node | None]:
    """(loader, root node or None), composed by libyaml when available. A text libyaml rejects
    is composed again by the pure-Python parser: it raises the clearer message (or accepts the
    text, and then its reading counts)."""
    if _FastLoader is not None:
        loader = _FastLoader(text)
        try:
            return loader, loader.get_single_node()
        except Exception:  # noqa: BLE001 - the pure-Python parser below has the last word
            loader.dispose()
    loader = _PositionLoader(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def node_path(root: Node, target: Node) -> str:
    """The key path (`species[0].brain.width`) of `target` (a value or key node) below `root`;
    "" when `target` is the root or is not found."""
    stack: list[tuple[Node, str]] = [(root, "")]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path.lstrip(".")
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node is target:
                    return path.lstrip(".")
                part = path_part(key_node.value) if isinstance(key_node, ScalarNode) else "[?]"
                stack.append((value_node, path + part))
        elif isinstance(node, SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
    return ""


def path_part(elem: Any) -> str:
    """One element of a key path as text: `[3]` for an index, `.name` or `['odd key']`."""
    if isinstance(elem, int) and not isinstance(elem, bool):
        return f"[{elem}]"
    text = elide(str(elem))
    return f".{text}" if _NAME.fullmatch(text) else f"['{text}']"


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


def check_tree(root: Node) -> None:
    """Raise YamlProblems for keys that appear twice in one mapping (merge keys `<<` excepted),
    an anchor that refers to itself, or more than MAX_VALUES values in all (aliases expanded;
    reported at the smallest part of the file that holds too many). One walk over the tree."""
    sizes: dict[int, tuple[int, bool]] = {}
    active: set[int] = set()
    duplicates: list[Problem] = []

    def size(node: Node) -> tuple[int, bool]:
        """(values in node with aliases expanded, whether an alias repeats part of them)"""
        key = id(node)
        if key in sizes:
            return sizes[key][0], True
        if key in active:
            line, col = node_position(node)
            raise YamlProblems([Problem(line, col, "an anchor refers to itself (recursive alias)")])
        active.add(key)
        total, aliased = 1, False
        if isinstance(node, MappingNode):
            duplicates.extend(_duplicate_keys(node))
            parts = [part for pair in node.value for part in pair]
        else:
            parts = node.value if isinstance(node, SequenceNode) else ()
        for part in parts:
            n, a = size(part)
            total, aliased = total + n, aliased or a
        active.discard(key)
        if total > MAX_VALUES:
            line, col = node_position(node)
            path = node_path(root, node)
            what = (
                f"aliases expand to more than {MAX_VALUES:,} values"
                if aliased
                else f"holds more than {MAX_VALUES:,} values (a whole world needs a few thousand)"
            )
            raise YamlProblems([Problem(line, col, f"{path}: {what}" if path else what)])
        sizes[key] = (total, aliased)
        return total, aliased

    size(root)
    if duplicates:
        raise YamlProblems(sorted(duplicates))


def _duplicate_keys(node: MappingNode) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        key = (key_node.tag, key_node.value)
        if key not in first:
            first[key] = key_node
            continue
        line, col = node_position(key_node)
        what = (
            f"duplicate key '{elide(key_node.value)}' (first defined at line "
            f"{node_position(first[key])[0]}; YAML would silently keep only the last one)"
        )
        problems.append(Problem(line, col, what))
    return problems
