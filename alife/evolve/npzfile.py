"""Plain-data .npz archives: written uncompressed, read back with every header checked first.

`read_npz` refuses, before allocating anything, an archive whose members are compressed, not
`.npy` files, of a dtype other than bool, integer, float or unicode (never Python objects: no
pickle is ever loaded), of an unsupported `.npy` version, or whose header declares a size other
than the bytes it holds (a header claiming 10^11 elements is refused, not allocated).
"""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
from numpy.lib import format as npy

from alife.errors import CheckpointError

MAX_ARRAYS = 4096
_KINDS = "biufU"  # bool, signed and unsigned integers, floats, unicode strings
_HEADER_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of an uncompressed .npz holding `arrays`; ValueError for non-plain dtypes."""
    for name, arr in arrays.items():
        if np.asarray(arr).dtype.kind not in _KINDS:
            raise ValueError(f"array {name!r} has dtype {np.asarray(arr).dtype}; archives hold "
                             "plain data only")  # fmt: skip
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def read_npz(data: bytes, where: str) -> dict[str, np.ndarray]:
    """{name: array} of an .npz's bytes; CheckpointError naming `where` on any problem."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise CheckpointError(f"{where}: not a readable .npz archive ({err})") from None
    if len(members) > MAX_ARRAYS:
        raise CheckpointError(f"{where}: {len(members)} arrays is more than an alife file holds")
    arrays: dict[str, np.ndarray] = {}
    for info in members:
        name = info.filename[:-4] if info.filename.endswith(".npy") else ""
        if not name or name in arrays:
            raise CheckpointError(f"{where}: unexpected member {info.filename[:80]!r}")
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > len(data):
            raise CheckpointError(f"{where}: array '{name}' is compressed or oversized "
                                  "(alife writes plain, uncompressed archives)")  # fmt: skip
        try:
            with archive.open(info) as fh:
                version = npy.read_magic(fh)
                reader = _HEADER_READERS.get(version)
                if reader is None:
                    raise ValueError(f"unsupported .npy version {version}")
                shape, fortran, dtype = reader(fh)
                header = fh.tell()
                if dtype.kind not in _KINDS or dtype.hasobject:
                    raise ValueError(f"dtype {dtype} is not plain data")
                declared = math.prod(shape) * dtype.itemsize
                if declared != info.file_size - header:
                    raise ValueError(
                        f"its header declares shape {shape} ({declared:,} bytes) but it holds "
                        f"{info.file_size - header:,} bytes"
                    )
                raw = fh.read(declared)
                if len(raw) != declared:
                    raise ValueError("its data is cut short")
                flat = np.frombuffer(raw, dtype=dtype)
                arr = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
                arrays[name] = np.array(arr, order="C")  # owned, writable, C-contiguous
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise CheckpointError(f"{where}: array '{name}': {str(err)[:200]}") from None
    return arrays
