"""The Spark backend (issue 10): the same sqlglot trees, run on Apache Spark.

Spark computes every relational step (identity, population, running numbers, extraction,
minimisation, disclosure). Relations are Spark temporary views; a materialised relation is a
persisted DataFrame. Because a relation can be replaced by a query that reads it (``pop`` gets its
running numbers that way), each version is registered under a new internal view name and
``render`` rewrites the tree's table names to the current versions.

Delivered tables: Spark writes the final query's rows as intermediate Parquet into a scratch
folder (``scratch``: local in local mode, a shared URI on a cluster); the driver then writes the
delivery file from it with the embedded engine's own writer (``DuckDBBackend``), sorted the same
way, so Parquet, CSV, SAS, Stata and SPSS files are byte for byte what the embedded engine writes.
Queries that read only delivered files (the guard's screening, CSV and statistical formats) run on
those local files; queries that also need Spark relations (the guard's person-key check) run on
Spark over the intermediate Parquet, which holds the same rows.

The running numbers' keys never enter SQL text: ``bind_keys`` registers them as a one-row
relation the numbering query joins (``running_numbers.bucketed_number_query``).

pyspark is an optional dependency group (``uv sync --group spark``); it is imported only here.
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlglot import exp

from tilgang.engine.backend import DuckDBBackend
from tilgang.engine.errors import (
    EngineError,
    JavaMissingError,
    OutputExistsError,
    PythonMismatchError,
    RegisterError,
    SparkError,
    SparkJobError,
    SparkVersionError,
    StorageError,
)
from tilgang.engine.metadata import Metadata
from tilgang.engine.schema import METADATA_FILE, TABLES
from tilgang.engine.sql import ident, query
from tilgang.engine.storage import COMPLETE_MARKER, Location, location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Spark versions the trees are tested on (major, minor) and up.
MIN_SPARK = (3, 5)
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}

_SPARK_TYPES = {
    "StringType": "VARCHAR",
    "LongType": "BIGINT",
    "IntegerType": "INTEGER",
    "ShortType": "SMALLINT",
    "ByteType": "TINYINT",
    "DoubleType": "DOUBLE",
    "FloatType": "FLOAT",
    "DateType": "DATE",
    "TimestampType": "TIMESTAMP WITH TIME ZONE",
    "TimestampNTZType": "TIMESTAMP",
    "BooleanType": "BOOLEAN",
    "DecimalType": "DECIMAL",
    "BinaryType": "BLOB",
}


@dataclass
class SparkOptions:
    """How to reach Spark. ``master``: ``local[*]`` (default), ``spark://…``, ``yarn``, ``k8s://…``,
    or ``sc://…`` for Spark Connect. ``conf``: extra Spark settings (``spark.driver.memory``, s3a).
    ``scratch``: a folder URI every executor and the driver can reach, for intermediate Parquet
    (default: inside the delivery's temporary folder in local mode). ``session``: an existing
    session to use (it is not stopped afterwards)."""

    master: str | None = None
    conf: dict[str, str] = field(default_factory=dict)
    scratch: str | None = None
    session: SparkSession | None = None
    app_name: str = "tilgang-extract"

    @property
    def is_local(self) -> bool:
        if self.session is not None:
            return _session_master(self.session).startswith("local")
        return (self.master or "local[*]").startswith("local")


def _session_master(spark: SparkSession) -> str:
    try:
        return str(spark.conf.get("spark.master", "local[*]"))
    except Exception:  # Spark Connect may hide it
        return "connect"


def _is_connect(spark: Any) -> bool:
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _import_pyspark() -> Any:
    try:
        import pyspark
    except ImportError as error:
        raise SparkError(
            "PySpark is not installed. Install the Spark group (uv sync --group spark) to run orders "
            "with --engine spark."
        ) from error
    return pyspark


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def start_session(options: SparkOptions) -> tuple[SparkSession, bool]:
    """The session to use and whether the engine started it (and so stops it)."""
    if options.session is not None:
        check_session(options.session)
        return options.session, False
    pyspark = _import_pyspark()
    from pyspark.sql import SparkSession

    master = options.master or "local[*]"
    if master.startswith("sc://"):
        try:
            builder = SparkSession.builder.remote(master)
            for key, value in options.conf.items():
                builder = builder.config(key, value)
            spark = builder.appName(options.app_name).getOrCreate()
        except ImportError as error:
            raise SparkError(
                f"Spark Connect needs the connect client: install pyspark[connect]=={pyspark.__version__}. ({error})"
            ) from error
        except Exception as error:
            raise SparkError(f"Spark Connect at {master} cannot be reached: {error}") from error
    else:
        if not _java_available() and not os.environ.get("SPARK_HOME"):
            raise JavaMissingError(
                "Spark needs a Java runtime (17 or 21) and none was found: install one (Debian: "
                "openjdk-17-jre-headless) or set JAVA_HOME, then run the order again."
            )
        builder = SparkSession.builder.master(master).appName(options.app_name)
        for key, value in {**DEFAULT_CONF, **options.conf}.items():
            builder = builder.config(key, value)
        try:
            spark = builder.getOrCreate()
        except Exception as error:
            text = str(error)
            if "JAVA_GATEWAY_EXITED" in text or "Java gateway process exited" in text:
                raise JavaMissingError(
                    "Spark could not start its Java process. Check that Java 17 or 21 is installed "
                    f"(java -version) and JAVA_HOME points at it. ({text.splitlines()[0]})"
                ) from error
            raise SparkError(f"Spark could not start with master {master}: {text.splitlines()[0]}") from error
    try:
        check_session(spark)
    except EngineError:
        if not master.startswith("sc://"):
            spark.stop()
        raise
    return spark, True


_CHECKED: set[int] = set()  # sessions already checked in this process


def check_session(spark: SparkSession) -> None:
    """Refuse a Spark too old for the trees, and executors running another Python than the driver."""
    if id(spark) in _CHECKED:
        return
    m = re.match(r"(\d+)\.(\d+)", spark.version)
    if not m or (int(m.group(1)), int(m.group(2))) < MIN_SPARK:
        raise SparkVersionError(
            f"Spark {spark.version} is too old: the engine needs Spark {MIN_SPARK[0]}.{MIN_SPARK[1]} or later."
        )
    pyspark = _import_pyspark()
    client = re.match(r"(\d+)\.(\d+)", pyspark.__version__)
    if client and (client.group(1) != m.group(1)) and not _is_connect(spark):
        raise SparkVersionError(
            f"The Spark cluster runs {spark.version} but the driver's PySpark is {pyspark.__version__}: "
            "use the PySpark of the cluster's Spark version."
        )
    if _is_connect(spark):
        _CHECKED.add(id(spark))
        return  # the engine runs no Python on Connect executors
    here = sys.version_info[:2]
    try:
        there = spark.sparkContext.parallelize([0], 1).map(lambda _: tuple(sys.version_info[:2])).collect()[0]
    except Exception as error:
        text = str(error)
        if "PYTHON_VERSION_MISMATCH" in text or "different version" in text or "Cannot run program" in text:
            raise PythonMismatchError(
                f"The Spark executors cannot run the driver's Python {here[0]}.{here[1]}: set PYSPARK_PYTHON "
                "on the executors to the same Python version (see docs/spark.md). "
                f"({_first_line(text)})"
            ) from error
        raise SparkJobError(f"Spark cannot run a job: {_first_line(text)}") from error
    if tuple(there) != here:
        raise PythonMismatchError(
            f"The Spark executors run Python {there[0]}.{there[1]}, the driver {here[0]}.{here[1]}: set "
            "PYSPARK_PYTHON to the same version on every node."
        )
    _CHECKED.add(id(spark))


def _first_line(text: str) -> str:
    """The line of a Spark or Py4J error that says what went wrong: the Java exception's own
    message rather than Py4J's "An error occurred while calling o63.exists"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("An error occurred while calling") and len(lines) > 1:
        causes = [line.removeprefix("Caused by: ") for line in lines if line.startswith("Caused by: ")]
        return (causes[-1] if causes else lines[1].removeprefix(": "))[:400]
    return (lines[0] if lines else text)[:400]


# A store that cannot be reached or refuses the office's credentials, as the JVM reports it.
UNREACHABLE = re.compile(
    r"UnknownHost|java\.net\.(ConnectException|NoRouteToHostException|SocketTimeoutException)"
    r"|ConnectTimeoutException|JSchException: Auth fail|AccessDeniedException|AccessControlException"
)


@contextmanager
def _spark_errors(what: str) -> Iterator[None]:
    """Spark and Py4J failures as typed engine errors with a message for a case officer."""
    try:
        yield
    except EngineError:
        raise
    except Exception as error:
        module = type(error).__module__
        if not (
            module.startswith("pyspark") or module.startswith("py4j") or isinstance(error, ConnectionError)
        ):
            raise
        text = str(error)
        if (
            "No FileSystem for scheme" in text
            or "UnsupportedFileSystemException" in text
            or re.search(r"ClassNotFoundException: Class \S+FileSystem not found", text)
        ):
            raise StorageError(
                f"Spark cannot reach {what}: its URI scheme has no file system configured ({_first_line(text)}). "
                "For s3a:// add hadoop-aws to the Spark classpath (docs/spark.md)."
            ) from error
        if "PATH_NOT_FOUND" in text or "Path does not exist" in text or "FileNotFoundException" in text:
            raise StorageError(f"Spark cannot find {what}: {_first_line(text)}") from error
        if UNREACHABLE.search(text) or ("Connection refused" in text and "py4j" not in module):
            raise StorageError(f"Spark cannot reach {what}: {_first_line(text)}") from error
        raise SparkJobError(
            f"The Spark job stopped while {what} ({_first_line(text)}). Nothing was delivered; run the "
            "order again once the cluster is healthy."
        ) from error


class HadoopStore:
    """Files on any URI the session's Hadoop configuration reaches (file, hdfs, s3a, abfs, gs),
    through Spark's JVM (classic sessions; Spark Connect deliveries go to a local folder)."""

    def __init__(self, spark: SparkSession) -> None:
        if _is_connect(spark):
            raise StorageError(
                "With Spark Connect the delivery is written to a folder on this machine; give --out a local path."
            )
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[union-attr]

    def _fs(self, uri: str) -> tuple[Any, Any]:
        assert self.jvm is not None
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        with _spark_errors(uri):
            return path.getFileSystem(self.conf), path

    def exists(self, uri: str) -> bool:
        fs, path = self._fs(uri)
        with _spark_errors(uri):
            return bool(fs.exists(path))

    def is_empty_or_missing(self, uri: str) -> bool:
        fs, path = self._fs(uri)
        with _spark_errors(uri):
            if not fs.exists(path):
                return True
            return bool(fs.getFileStatus(path).isDirectory()) and len(fs.listStatus(path)) == 0

    def copy_to_local(self, uri: str, local: Path) -> None:
        fs, path = self._fs(uri)
        assert self.jvm is not None
        with _spark_errors(uri):
            fs.copyToLocalFile(False, path, self.jvm.org.apache.hadoop.fs.Path(local.as_uri()), True)

    def upload(self, local: Path, uri: str) -> None:
        fs, path = self._fs(uri)
        assert self.jvm is not None
        with _spark_errors(uri):
            fs.copyFromLocalFile(False, True, self.jvm.org.apache.hadoop.fs.Path(local.as_uri()), path)

    def rename(self, src: str, dst: str) -> bool:
        fs, a = self._fs(src)
        _, b = self._fs(dst)
        with _spark_errors(dst):
            return bool(fs.rename(a, b))

    def write_text(self, uri: str, text: str) -> None:
        fs, path = self._fs(uri)
        with _spark_errors(uri):
            out = fs.create(path, False)
            out.write(bytearray(text.encode("utf-8")))
            out.close()

    def delete(self, uri: str) -> None:
        fs, path = self._fs(uri)
        with _spark_errors(uri):
            fs.delete(path, True)

    def publish(self, local_dir: Path, uri: str, fail_after_upload: Callable[[], None] | None = None) -> None:
        """Move a finished delivery (``local_dir``) to ``uri``: upload into a hidden sibling
        prefix, rename it to ``uri`` (atomic on HDFS, a copy on object stores), then write the
        completion marker. A folder without the marker is never a delivery; a failure removes
        whatever was written."""
        if not self.is_empty_or_missing(uri):
            raise OutputExistsError(
                f"The output {uri} already holds files (possibly an earlier delivery). Choose a new location; "
                "an existing delivery is never overwritten."
            )
        parent, _, name = uri.rstrip("/").rpartition("/")
        tmp = f"{parent}/.{name}.partial-{secrets.token_hex(4)}"
        renamed = False
        try:
            self.upload(local_dir, tmp)
            if fail_after_upload is not None:
                fail_after_upload()
            if self.exists(uri):
                self.delete(uri)  # empty, checked above
            renamed = self.rename(tmp, uri)
            if not renamed:
                raise StorageError(f"The delivery could not be moved into place at {uri}.")
            manifest = local_dir / "delivery" / "MANIFEST.json"
            marker = {"manifest": "delivery/MANIFEST.json"}
            if manifest.exists():
                import hashlib

                marker["manifest_sha256"] = hashlib.sha256(manifest.read_bytes()).hexdigest()
            self.write_text(f"{uri}/{COMPLETE_MARKER}", json.dumps(marker))
        except BaseException:
            for target in (tmp, uri) if renamed else (tmp,):
                try:
                    self.delete(target)
                except Exception:  # noqa: S110 - best effort; the marker is absent anyway
                    pass
            raise


class SparkBackend:
    name = "spark"
    dialect = "spark"

    def __init__(
        self,
        spark: SparkSession,
        *,
        scratch: str,
        work_dir: Path,
        owns_session: bool = False,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.spark = spark
        self.scratch = scratch.rstrip("/")
        self.scratch_local = location(self.scratch).local
        self.work_dir = work_dir
        self.owns_session = owns_session
        # The delivery files are written on this machine by the embedded engine's writer.
        self.local = DuckDBBackend(
            memory_limit=memory_limit, threads=threads, temp_directory=work_dir / ".spill"
        )
        self._views: dict[str, str] = {}  # engine relation → current Spark view
        self._persisted: dict[str, DataFrame] = {}
        self._local_names: set[str] = set()  # relations over delivered files (local DuckDB)
        self._written: dict[str, str] = {}  # delivered file → its intermediate Parquet (URI)
        self._count = 0
        self.present_tables: set[str] = set()
        self.closed = False

    # -- rendering -----------------------------------------------------------------------------
    def _internal(self, name: str) -> str:
        self._count += 1
        return f"t{self._count}_{name}"

    def render(self, tree: exp.Expression) -> str:
        views = self._views

        def rewrite(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Table) and not node.args.get("db") and node.name in views:
                new = node.copy()
                new.set("this", exp.to_identifier(views[node.name], quoted=True))
                if not node.alias:
                    new.set("alias", exp.TableAlias(this=exp.to_identifier(node.name, quoted=True)))
                return new
            if isinstance(node, exp.RegexpILike | exp.RegexpLike):
                return node
            if isinstance(node, exp.Anonymous) and node.name.lower() == "regexp_full_match":
                col, pattern = node.expressions
                anchored = exp.Literal.string(f"^(?:{pattern.name})$")
                return exp.RegexpLike(this=col, expression=anchored)
            return node

        return tree.transform(rewrite).sql(dialect=self.dialect)

    def _df(self, tree: exp.Expression, what: str) -> DataFrame:
        sql = self.render(tree)
        with _spark_errors(what):
            return self.spark.sql(sql)

    def _local_only(self, tree: exp.Expression) -> bool:
        names = {t.name for t in tree.find_all(exp.Table)}
        return bool(names) and names <= self._local_names

    # -- registers -----------------------------------------------------------------------------
    def attach_registers(self, registers: Location) -> Metadata:
        if registers.local is not None:
            if not (registers.local / METADATA_FILE).is_file():
                raise RegisterError(
                    f"{registers.local} is not a register directory: {METADATA_FILE} is missing."
                )
            metadata = Metadata.load(registers.local)
        else:
            with _spark_errors(f"the registers at {registers.uri}"):
                rows = self.spark.read.text(registers.child(METADATA_FILE), wholetext=True).collect()
            if not rows:
                raise RegisterError(f"{registers.uri} is not a register directory: {METADATA_FILE} is empty.")
            metadata = Metadata.from_dict(json.loads(rows[0][0]))
        for table in TABLES:
            if registers.local is not None:
                folder = registers.local / table
                if not (folder.is_dir() and any(folder.rglob("*.parquet"))):
                    continue
            try:
                with _spark_errors(f"register table {table}"):
                    df = self.spark.read.parquet(registers.child(table))
            except StorageError:
                if registers.local is None:
                    continue  # not in the register directory: refused later if the order needs it
                raise
            except SparkJobError as error:
                raise RegisterError(f"Register table {table!r} cannot be read: {error}") from error
            view = self._internal(table)
            df.createOrReplaceTempView(view)
            self._views[table] = view
            self.present_tables.add(table)
        return metadata

    # -- the Backend protocol -------------------------------------------------------------------
    def attach_table(self, name: str, parquet_glob: str) -> None:
        written = self._written.get(parquet_glob)
        if written is not None:
            # A delivered file: read locally by the writer and guard, on Spark as its intermediate copy.
            self.local.attach_table(name, parquet_glob)
            self._local_names.add(name)
            with _spark_errors(f"reading {Path(parquet_glob).name}"):
                df = self.spark.read.parquet(written)
        else:
            folder = parquet_glob.split("**")[0].rstrip("/") if "**" in parquet_glob else parquet_glob
            with _spark_errors(f"reading {folder}"):
                df = self.spark.read.parquet(location(folder).uri)
        view = self._internal(name)
        df.createOrReplaceTempView(view)
        self._views[name] = view

    def materialise(self, name: str, tree: exp.Expression) -> int:
        from pyspark import StorageLevel

        df = self._df(tree, f"preparing {name}")
        with _spark_errors(f"preparing {name}"):
            df = df.persist(StorageLevel.MEMORY_AND_DISK)
            rows = df.count()
            view = self._internal(name)
            df.createOrReplaceTempView(view)
        old = self._persisted.pop(name, None)
        self._views[name] = view
        self._persisted[name] = df
        if old is not None:
            old.unpersist()
        return int(rows)

    def define(self, name: str, tree: exp.Expression) -> None:
        df = self._df(tree, f"preparing {name}")
        view = self._internal(name)
        with _spark_errors(f"preparing {name}"):
            df.createOrReplaceTempView(view)
        self._views[name] = view

    def load_arrow(self, name: str, table: pa.Table) -> None:
        """Local data (an ID list, a linked file) reach Spark as Parquet in the scratch folder."""
        target = self._scratch_path(f"load_{name}")
        if self.scratch_local is not None:
            folder = self.scratch_local / target.rpartition("/")[2]
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "part-0.parquet")
        else:
            staging = self.work_dir / ".load" / name
            staging.mkdir(parents=True)
            pq.write_table(table, staging / "part-0.parquet")
            HadoopStore(self.spark).upload(staging, target)
        with _spark_errors(f"loading {name}"):
            df = self.spark.read.parquet(target)
        view = self._internal(name)
        df.createOrReplaceTempView(view)
        self._views[name] = view
        self.materialise(name, query(f"SELECT * FROM {ident(name)}"))

    def bind_keys(self, name: str, k_in: str, k_out: str) -> str:
        """A one-row relation holding the running-number keys (never SQL literals)."""
        with _spark_errors("preparing the running numbers"):
            df = self.spark.createDataFrame([(k_in, k_out)], schema="k_in STRING, k_out STRING")
            view = self._internal(name)
            df.createOrReplaceTempView(view)
        self._views[name] = view
        return name

    def fetch_arrow(self, tree: exp.Expression) -> pa.Table:
        if self._local_only(tree):
            return self.local.fetch_arrow(tree)
        df = self._df(tree, "reading results")
        with _spark_errors("reading results"):
            return df.toArrow()

    def fetch_rows(self, tree: exp.Expression) -> list[tuple]:
        if self._local_only(tree):
            return self.local.fetch_rows(tree)
        df = self._df(tree, "reading results")
        with _spark_errors("reading results"):
            return [tuple(r) for r in df.collect()]

    def columns(self, name: str) -> list[tuple[str, str]]:
        if name in self._local_names:
            return self.local.columns(name)
        df = self._df(query(f"SELECT * FROM {ident(name)}"), f"reading {name}")
        out = []
        for f in df.schema.fields:
            kind = type(f.dataType).__name__
            out.append((f.name, _SPARK_TYPES.get(kind, f.dataType.simpleString().upper())))
        return out

    def _scratch_path(self, stem: str) -> str:
        self._count += 1
        return f"{self.scratch}/{stem}-{self._count}"

    def write_parquet(self, tree: exp.Expression, path: Path) -> None:
        """Spark computes the rows into intermediate Parquet; the embedded writer sorts and writes
        the delivered file, so it is the file the embedded engine writes."""
        unordered = tree.copy()
        order = unordered.args.get("order")
        if isinstance(unordered, exp.Select) and order is not None:
            unordered.set("order", None)  # sorted once, by the writer
        target = self._scratch_path(path.stem)
        df = self._df(unordered, f"preparing {path.name}")
        with _spark_errors(f"writing {path.name}"):
            df.write.mode("error").parquet(target)  # Spark Connect knows "error", not "errorifexists"
        if self.scratch_local is not None:
            folder = self.scratch_local / target.rpartition("/")[2]
        else:
            folder = self.work_dir / ".intermediate" / target.rpartition("/")[2]
            folder.parent.mkdir(parents=True, exist_ok=True)
            HadoopStore(self.spark).copy_to_local(target, folder)
        rel = f"s_{self._count}"
        if not any(folder.glob("*.parquet")):
            raise SparkJobError(f"Spark wrote no file for {path.name}; nothing was delivered.")
        # Read as nullable columns: Spark's nullability depends on its plan (cached relations,
        # adaptive execution), so the delivered file would not be reproducible with it.
        found = ds.dataset(str(folder), format="parquet")
        schema = pa.schema([f.with_nullable(True) for f in found.schema])
        self.local.con.register(rel, ds.dataset(str(folder), format="parquet", schema=schema))
        self.local.write_parquet(query(f"SELECT * FROM {ident(rel)} ORDER BY ALL"), path)
        self._written[str(path)] = target

    def write_csv(self, tree: exp.Expression, path: Path) -> None:
        if not self._local_only(tree):
            raise SparkError("CSV is written from a delivered Parquet file only.")
        self.local.write_csv(tree, path)

    def _jvm_alive(self) -> bool:
        """False when the session's local JVM has died (a killed job): nothing is left to release."""
        if _is_connect(self.spark):
            return True
        gateway = getattr(self.spark.sparkContext, "_gateway", None)
        proc = getattr(gateway, "proc", None)
        return proc is None or proc.poll() is None

    def close(self) -> None:
        """Release the relations and the local writer; the session stays for ``stop``."""
        if self.closed:
            return
        self.closed = True
        if not self._jvm_alive():
            self._persisted.clear()
            if self.scratch_local is not None:
                shutil.rmtree(self.scratch_local, ignore_errors=True)
            self.local.close()
            return
        try:
            if self.scratch_local is not None:
                shutil.rmtree(self.scratch_local, ignore_errors=True)
            elif self._written or self._count:
                HadoopStore(self.spark).delete(self.scratch)
        except Exception:  # noqa: S110 - a dead session: the scratch prefix is removed by hand (docs)
            pass
        for df in self._persisted.values():
            try:
                df.unpersist()
            except Exception:  # noqa: S110 - a dead session has nothing left to release
                pass
        self._persisted.clear()
        try:
            for view in self._views.values():
                self.spark.catalog.dropTempView(view)
        except Exception:  # noqa: S110
            pass
        self.local.close()

    def stop(self) -> None:
        self.close()
        if self.owns_session:
            self.owns_session = False
            if not self._jvm_alive():
                return
            try:
                self.spark.stop()
            except Exception:  # noqa: S110 - stopping a session whose JVM died
                pass


def open_spark_backend(
    options: SparkOptions | None,
    work_dir: Path,
    *,
    out_remote: bool = False,
    out_uri: str | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> SparkBackend:
    options = options or SparkOptions()
    scratch = options.scratch
    if scratch is None:
        if options.is_local:
            scratch = (work_dir / ".spark").as_uri()
        elif out_remote and out_uri:
            parent, _, name = out_uri.rstrip("/").rpartition("/")
            scratch = f"{parent}/.{name}.scratch-{secrets.token_hex(4)}"
        else:
            raise SparkError(
                "On a cluster the intermediate files need a folder every executor can reach: give "
                "--spark-scratch URI (e.g. hdfs:///tmp/tilgang or s3a://bucket/tmp)."
            )
    spark, owns = start_session(options)
    return SparkBackend(
        spark,
        scratch=scratch,
        work_dir=work_dir,
        owns_session=owns,
        memory_limit=memory_limit,
        threads=threads,
    )
