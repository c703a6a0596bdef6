"""Load a YAML world file into a validated, frozen pydantic model with line-numbered errors.

`load_world(path)` is what the rest of the project calls; `load_model(path, model_cls)` and
`parse_model(text, model_cls, source)` do the same for any model (tests, hot reload, sub-files).
Every failure raises `alife.errors.WorldConfigError` whose `.problems` is a list of lines
`FILE:LINE:COL: key.path: what was wrong (got VALUE)` and whose str() is those lines joined by
newlines: at most MAX_SHOWN problems and a line counting the rest, each line at most MAX_LINE
characters. The file is only ever read, and only if it is at most MAX_FILE_BYTES long; the whole
check takes time linear in the file's size. A world that needs more memory than this machine
allows is refused too, at the key to change (alife/config/resources.py).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from alife.config.messages import MAX_SHOWN, describe, format_value, more_problems
from alife.config.yamlnodes import Problem, YamlProblems, node_position, parse
from alife.errors import WorldConfigError

if TYPE_CHECKING:
    from alife.config.models import WorldConfig

M = TypeVar("M", bound=BaseModel)

#: Largest world file read. The largest world the models accept (8 species with every key
#: written and commented, 256 circles, 256 rects) is under 100 KB; 1 MiB leaves ten times that,
#: and parses in about a second, so a runaway generated or pasted file is refused at once.
MAX_FILE_BYTES = 1 << 20
MAX_LINE = 400  # characters in one problem line (values in it are cut short well before)


def config_error(problems: list[str]) -> WorldConfigError:
    """A WorldConfigError carrying `problems` (lines) with str() = the lines joined by newlines."""
    err = WorldConfigError("\n".join(problems))
    err.problems = list(problems)
    return err


def problems_of(err: BaseException) -> list[str]:
    """The problem lines of an error (its `.problems`, or its message as one line)."""
    return list(getattr(err, "problems", None) or [str(err)])


def load_world(path: str | Path) -> WorldConfig:
    """Read and validate a world file (see worlds/*.yaml) into a frozen `WorldConfig`."""
    from alife.config.models import WorldConfig  # imported late: models import this package

    return load_model(path, WorldConfig)


def load_model(path: str | Path, model_cls: type[M]) -> M:
    """Read the YAML file at `path` and validate it as `model_cls`; WorldConfigError if bad."""
    return parse_model(read_text(path), model_cls, source=str(path))


def read_text(path: str | Path) -> str:
    """The file's text (UTF-8, an optional BOM removed); WorldConfigError if unreadable or
    longer than MAX_FILE_BYTES (checked before it is read)."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            check_size(size, source)
            raw = fh.read(MAX_FILE_BYTES + 1)  # (a pipe or device may say size 0)
    except FileNotFoundError:
        raise config_error([f"{source}: file not found"]) from None
    except IsADirectoryError:
        raise config_error([f"{source}: is a directory, not a world file"]) from None
    except PermissionError:
        raise config_error([f"{source}: cannot read the file (permission denied)"]) from None
    except OSError as err:
        raise config_error([f"{source}: cannot read the file ({err.strerror or err})"]) from None
    check_size(len(raw), source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        col = len(raw[line_start : err.start].decode("utf-8", errors="replace")) + 1
        bad = raw[err.start : err.start + 1].hex()
        raise config_error(
            [f"{source}:{line}:{col}: the file is not UTF-8 text (byte 0x{bad})"]
        ) from None


def check_size(size: int, source: str) -> None:
    """WorldConfigError if a world file of `size` bytes (or characters) is too long to read."""
    if size > MAX_FILE_BYTES:
        raise config_error(
            [
                f"{source}: the file is {_megabytes(size)}; world files may be at most "
                f"{_megabytes(MAX_FILE_BYTES)} (a whole world takes a few KB: was something "
                "generated or pasted into it?)"
            ]
        )


def _megabytes(size: int) -> str:
    if size == MAX_FILE_BYTES + 1:
        return f"more than {_megabytes(MAX_FILE_BYTES)}"
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 2**10:.0f} KB"


def parse_model(text: str, model_cls: type[M], source: str = "<string>") -> M:
    """Validate YAML `text` as `model_cls`; `source` names the file in messages."""
    check_size(len(text), source)
    try:
        doc = parse(text)
    except YamlProblems as err:
        raise _located(source, err.problems) from None
    if doc is None or doc.data is None:  # no document, or just `---` / `null`
        raise _located(source, [Problem(1, 1, "the file is empty (expected a mapping of keys)")])
    if not isinstance(doc.data, dict):
        line, col = node_position(doc.node)
        what = f"the top level must be a mapping of keys like 'name: value', got {_kind(doc.data)}"
        raise _located(source, [Problem(line, col, what)])
    errors = non_finite_errors(doc.data)
    try:
        model = model_cls.model_validate(doc.data)
    except ValidationError as err:
        errors += err.errors(include_url=False)
    else:
        errors += non_finite_errors(model)  # e.g. the string "1e400" parsed as a float
        errors += machine_errors(model)
    if errors:
        raise _located(source, describe(errors, doc, model_cls))
    return model


def machine_errors(model: BaseModel) -> list[dict[str, Any]]:
    """A pydantic-style error if a world needs more memory than this machine allows
    (alife.config.resources.memory_problem; its message starts with the key to blame)."""
    from alife.config.models import WorldConfig
    from alife.config.resources import memory_problem

    problem = memory_problem(model) if isinstance(model, WorldConfig) else None
    return [{"type": "value_error", "loc": (), "msg": problem, "input": None}] if problem else []


def non_finite_errors(data: Any) -> list[dict[str, Any]]:
    """pydantic-style errors for every .nan / .inf / -.inf float in YAML data or in a validated
    model: no world setting means anything as a non-finite number, and NaN slips through range
    checks (NaN < 0 is False), so a loaded world never contains one."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    seen: set[int] = set()
    while stack:
        loc, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            msg = "should be a finite number"
            errors.append({"type": "finite_number", "loc": loc, "msg": msg, "input": value})
            continue
        if id(value) in seen:
            continue
        if isinstance(value, BaseModel):
            items = [
                (field.alias or name, getattr(value, name))
                for name, field in type(value).model_fields.items()
            ]
        elif isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            continue
        seen.add(id(value))
        stack.extend((loc + (key,), item) for key, item in items)
    return errors


def _located(source: str, problems: list[Problem]) -> WorldConfigError:
    """The error for `problems` (sorted): at most MAX_SHOWN lines and one counting the rest
    (pydantic problems come already cut short), each line at most MAX_LINE characters."""
    if len(problems) > MAX_SHOWN + 1:
        rest = problems[MAX_SHOWN]
        problems = [*problems[:MAX_SHOWN], more_problems(rest.line, rest.column,
                                                         len(problems) - MAX_SHOWN)]  # fmt: skip
    return config_error([_bounded(f"{source}:{p.line}:{p.column}: {p.text}") for p in problems])


def _bounded(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return f"{line[: MAX_LINE - 40]} ... ({len(line) - MAX_LINE + 40:,} characters cut)"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"a single value {format_value(value)}"
