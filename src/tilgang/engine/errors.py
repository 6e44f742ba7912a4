"""Typed errors of the preparation engine.

Every failure a case officer can meet is an ``EngineError`` subclass whose message says, in plain
words, what is wrong and what to do; the portal shows ``str(error)`` as it is.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class: the order could not be prepared; nothing was delivered."""


class OrderError(EngineError):
    """The order file is malformed or contradicts itself."""


class UnknownVariableError(OrderError):
    """The order names a variable the catalog does not know."""


class CoverageError(OrderError):
    """The order asks for years or dates outside what a register covers."""


class RegisterError(EngineError):
    """The register directory is missing a table or metadata."""


class EmptyPopulationError(EngineError):
    """The population definition selects nobody."""


class ThirdPartyFileError(EngineError):
    """A third-party file cannot be read (format, encoding, broken file, missing ID column)."""


class InvalidIdsError(ThirdPartyFileError):
    """Too many IDs in a third-party file are not valid national IDs."""


class OutputExistsError(EngineError):
    """The output folder already holds a delivery."""


class DiskFullError(EngineError):
    """The disk filled up while writing; the partial files were removed."""


class GuardError(EngineError):
    """The release guard found identifying values in the output."""


class SealError(EngineError):
    """The sealed randomness cannot be created or opened (missing or wrong office key)."""


class SparkError(EngineError):
    """The order could not run on Spark (issue 10); nothing was delivered."""


class JavaMissingError(SparkError):
    """No Java runtime: Spark cannot start."""


class SparkVersionError(SparkError):
    """The Spark the engine reached is a version the engine does not support."""


class PythonMismatchError(SparkError):
    """The executors run another Python version than the driver."""


class StorageError(SparkError):
    """A register or output URI cannot be reached (unknown scheme, missing bucket, no access)."""


class SparkJobError(SparkError):
    """A Spark job failed or was killed while the order ran."""
