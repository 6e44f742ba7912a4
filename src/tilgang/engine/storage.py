"""Where registers are read and deliveries are written: a local folder, or a URI.

A plain path and a ``file://`` URI are local: the embedded engine and Spark read them, and a
delivery is prepared in a hidden sibling folder and renamed into place (``pipeline.run_order``).
Any other scheme (``s3a://``, ``hdfs://``, ``abfs://``, ``gs://``) is remote: only the Spark
engine reads it, through the Hadoop file system Spark is configured with, and a delivery is
published there by ``spark_backend.HadoopStore.publish`` (a temporary prefix renamed into place,
then a completion marker; see docs/spark.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

# A remote delivery is complete only when this file exists at its root (docs/spark.md).
COMPLETE_MARKER = "_DELIVERY_COMPLETE"


@dataclass(frozen=True)
class Location:
    uri: str  # for Spark: file:///absolute/path for a local folder
    local: Path | None  # the folder, when it is on this machine

    @property
    def remote(self) -> bool:
        return self.local is None

    def child(self, name: str) -> str:
        return f"{self.uri.rstrip('/')}/{name}"

    def __str__(self) -> str:
        return str(self.local) if self.local is not None else self.uri


def location(value: str | Path) -> Location:
    """Parse a folder given as a path, a ``file://`` URI or a remote URI."""
    if isinstance(value, Path):
        path = value.absolute()
        return Location(path.as_uri(), path)
    parsed = urlparse(value)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path)).absolute()
        return Location(path.as_uri(), path)
    if not parsed.scheme or len(parsed.scheme) == 1:  # a plain path (or a drive letter)
        path = Path(value).absolute()
        return Location(path.as_uri(), path)
    return Location(value.rstrip("/"), None)
