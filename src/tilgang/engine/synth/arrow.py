"""Fast numpy -> Arrow conversions for the generator (no per-value Python objects)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa


def string_array(values: npt.NDArray[np.bytes_]) -> pa.Array:
    """A string array from fixed-width ASCII bytes (IDs, codes), without a Python loop."""
    values = np.ascontiguousarray(values)
    width = values.dtype.itemsize
    n = values.shape[0]
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(values.tobytes()))


def date_array(days: npt.NDArray[np.integer], null: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A date32 array from days since 1970 (``null`` marks missing dates)."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32(), mask=null).view(pa.date32())


def take_strings(
    labels: list[str], index: npt.NDArray[np.integer], null: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """Strings by index into a small list of labels (code values)."""
    idx = pa.array(np.asarray(index, dtype=np.int32), type=pa.int32(), mask=null)
    return pa.array(labels, pa.string()).take(idx)
