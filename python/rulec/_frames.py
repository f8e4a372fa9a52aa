"""Frames in and out: pandas and polars frames go to the native module as
Arrow IPC streams (no CSV round trip), and decisions come back as columns
of the same kind of frame."""

from __future__ import annotations

import io
import os
from typing import Any, Optional, Tuple, Union

from ._rulec import RulecError


def kind_of(data: Any) -> str:
    """``"pandas"``, ``"polars"`` or ``"path"``; anything else is refused."""
    if isinstance(data, (str, os.PathLike)):
        return "path"
    module = type(data).__module__ or ""
    name = type(data).__name__
    if module.startswith("pandas") and name == "DataFrame":
        return "pandas"
    if module.startswith("polars") and name == "DataFrame":
        return "polars"
    if module.startswith("polars") and name == "LazyFrame":
        raise RulecError("data is a polars LazyFrame; collect it first (lf.collect())")
    raise RulecError(
        f"data must be a pandas or polars DataFrame, or the path of a data file; got {module}.{name}"
    )


def to_source(data: Any) -> Tuple[Union[bytes, str], str]:
    """The data as the native module takes it: ``(path, name)`` or
    ``(Arrow IPC stream bytes, name)``; the name is what messages and the
    provenance call it."""
    kind = kind_of(data)
    if kind == "path":
        return os.fspath(data), os.path.basename(os.fspath(data))
    if kind == "polars":
        return _polars_ipc(data), "polars DataFrame"
    return _pandas_ipc(data), "pandas DataFrame"


def _polars_ipc(df: Any) -> bytes:
    import polars as pl

    # Categories travel as text (rulec reads every category as its text),
    # in the oldest IPC layout, which every polars reads.
    cats = [
        name
        for name, dtype in df.schema.items()
        if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype == pl.Categorical
    ]
    if cats:
        df = df.with_columns([pl.col(c).cast(pl.String) for c in cats])
    buf = io.BytesIO()
    df.write_ipc_stream(buf, compat_level=pl.CompatLevel.oldest())
    return buf.getvalue()


def _pandas_ipc(df: Any) -> bytes:
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RulecError(
            "a pandas DataFrame goes to rulec through Arrow: pip install pyarrow"
        ) from e
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise RulecError(
            "pandas DataFrame: duplicate column name(s) "
            + ", ".join(f"`{n}`" for n in dup)
            + "; every column needs its own name"
        )
    columns = []
    import pandas as pd

    for name, col in zip(names, (df.iloc[:, i] for i in range(df.shape[1]))):
        if isinstance(col.dtype, pd.SparseDtype):
            col = col.sparse.to_dense()
        if isinstance(col.dtype, pd.PeriodDtype):
            # A period is a span of dates: read as its start, a date, which
            # is left out with a note as every date column is.
            col = col.dt.start_time
        try:
            arr = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise RulecError(
                f"pandas DataFrame: column `{name}` cannot be read ({first}); "
                "give it one type: numbers, booleans or strings"
            ) from None
        if isinstance(arr.type, getattr(pa, "BaseExtensionType", pa.ExtensionType)):
            if isinstance(col.dtype, pd.IntervalDtype):
                # Its ends, a struct: left out with a note, as structs are.
                arr = arr.storage
            else:
                raise RulecError(
                    f"pandas DataFrame: column `{name}` has the Arrow extension type "
                    f"`{arr.type.extension_name}`, which rulec cannot read; "
                    "give it one type: numbers, booleans or strings"
                )
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if pa.types.is_decimal(arr.type) and arr.type.precision > 38:
            # Wider than polars reads: the numbers, as floats.
            arr = arr.cast(pa.float64())
        if pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.string())
        columns.append(arr)
    table = pa.Table.from_arrays(columns, names=names) if columns else pa.table({})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def target_kind(data: Any, name: str) -> Optional[str]:
    """The type the decisions take: the target column's (``column_kind``),
    or, for a pandas ``category`` of numbers, its categories' (a category
    of numbers is read as numbers, and so are its decisions)."""
    kind = column_kind(data, name)
    if kind is not None or kind_of(data) != "pandas" or not isinstance(name, str):
        return kind
    import pandas as pd

    column = _pandas_column(data, name)
    if column is None:
        return None
    dtype = column.dtype
    if not isinstance(dtype, pd.CategoricalDtype):
        return None
    inner = dtype.categories.dtype
    if pd.api.types.is_bool_dtype(inner):
        return None
    if pd.api.types.is_integer_dtype(inner):
        return "int"
    if pd.api.types.is_float_dtype(inner):
        return "float"
    return None


def _pandas_column(data: Any, name: str):
    """The column of the pandas frame ``data`` named ``name`` as text
    (columns reach rulec named as text: `2` is the column 2); None when no
    column, or more than one, is so named."""
    at = [i for i, c in enumerate(data.columns) if str(c) == name]
    return data.iloc[:, at[0]] if len(at) == 1 else None


def text_column(data: Any, name: str) -> bool:
    """Whether ``data`` is a frame whose column ``name`` holds text (pandas
    ``str``, ``object`` or ``category`` of str; polars ``String``,
    ``Categorical`` or ``Enum``)."""
    kind = kind_of(data)
    if kind == "path" or not isinstance(name, str):
        return False
    if kind == "pandas":
        column = _pandas_column(data, name)
        if column is None:
            return False
        values = column.dropna()
        return len(values) > 0 and all(isinstance(v, str) for v in values.unique())
    import polars as pl

    return name in data.columns and (
        data.schema[name] == pl.String or isinstance(data.schema[name], (pl.Categorical, pl.Enum))
    )


def column_kind(data: Any, name: str) -> Optional[str]:
    """``"bool"``, ``"int"``, ``"float"`` or ``"float32"`` when ``data`` is a frame whose
    column ``name`` holds booleans, integers or floats; ``None`` for text,
    other types, a column it lacks, and paths."""
    kind = kind_of(data)
    if kind == "path" or not isinstance(name, str):
        return None
    if kind == "pandas":
        import pandas as pd

        column = _pandas_column(data, name)
        if column is None:
            return None
        dtype = column.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return "bool"
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        if pd.api.types.is_float_dtype(dtype):
            return "float32" if str(dtype).lower() == "float32" else "float"
        if dtype == object:
            # Booleans or integers with a None among them (pandas holds such
            # a column as objects): what its values are, as Arrow reads it.
            inferred = pd.api.types.infer_dtype(column, skipna=True)
            return {"boolean": "bool", "integer": "int", "floating": "float"}.get(inferred)
        return None
    import polars as pl

    if name not in data.columns:
        return None
    dtype = data.schema[name]
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype == pl.Float32:
        return "float32"
    if dtype.is_float():
        return "float"
    return None


def category_dtypes(data: Any) -> dict:
    """The pandas ``category`` columns of ``data`` with their dtypes (for
    a polars frame, its ``Categorical`` and ``Enum`` columns as pandas
    reads them); empty for a path."""
    kind = kind_of(data)
    if kind == "pandas":
        import pandas as pd

        return {
            str(name): dtype
            for name, dtype in data.dtypes.items()
            if isinstance(dtype, pd.CategoricalDtype)
        }
    if kind == "polars":
        import polars as pl

        return {
            str(n): _polars_categories(data, n)
            for n, t in data.schema.items()
            if isinstance(t, (pl.Categorical, pl.Enum))
        }
    return {}


def _polars_categories(data: Any, name: str):
    """A polars categorical column's categories as a pandas dtype: as
    ``to_pandas`` makes it (an ``Enum``'s categories in their order, those
    it has no row of too), what a model fitted on the pandas frame knew."""
    return data.select(name).to_pandas()[name].dtype


def integer_dtypes(data: Any) -> dict:
    """The columns of ``data`` that hold integers, with the pandas dtype a
    model fitted on the frame saw them in (``int64``, ``uint8``, nullable
    ``Int64``; a polars column of integers as ``to_pandas`` makes it, when
    that is integers); empty for a path. rulec hands numbers over as
    floats; the model gets these back as integers."""
    kind = kind_of(data)
    if kind == "pandas":
        import pandas as pd

        return {
            str(name): dtype
            for name, dtype in data.dtypes.items()
            if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
        }
    if kind == "polars":
        out = {}
        for n, t in data.schema.items():
            if t.is_integer():
                dtype = data.select(n).to_pandas()[n].dtype
                if dtype.kind in "iu":
                    out[str(n)] = dtype
        return out
    return {}


def all_columns_named(data: Any, call):
    """``call()``, whose data ``only_columns`` narrowed: an error that lists
    the frame's columns lists them all, as the frame has them, not the few
    kept for the call (nor a hint about a file's header line)."""
    try:
        return call()
    except RulecError as e:
        kind = kind_of(data)
        message = str(e)
        marker = "columns are: "
        if kind == "path" or marker not in message:
            raise
        names = [str(c) for c in data.columns]
        listed = ", ".join(f"`{n}`" for n in names) if names else "none"
        head = message[: message.index(marker) + len(marker)]
        raise RulecError(head + listed) from None


def only_columns(data: Any, names: set) -> Any:
    """``data`` (a pandas or polars frame) with only the columns named (as
    text) in ``names``, in their order; a path as it is. Columns the rules
    do not read need not be readable at all (free text mixing types, a
    complex number, a duplicate of another such column)."""
    kind = kind_of(data)
    # A frame of no column has no row to Arrow: one that shares no column
    # with the rule set keeps its rows in a column of zeros, named as no
    # column of the rule set is (a set of no rules decides every row, as
    # `rulec apply` does; one with rules says which columns it lacks).
    spare = "_rulec_rows"
    while spare in names:
        spare += "_"
    if kind == "pandas":
        keep = [i for i, c in enumerate(data.columns) if str(c) in names]
        if not keep:
            import pandas as pd

            return pd.DataFrame({spare: [0] * len(data)})
        return data.iloc[:, keep]
    if kind == "polars":
        kept = [c for c in data.columns if c in names]
        if not kept:
            import polars as pl

            return pl.DataFrame({spare: [0] * data.height})
        return data.select(kept)
    return data


def number_columns(data: Any, names: Any) -> list:
    """Of the columns ``names`` (the ``categorical`` option: a list, or one
    string ``"a,b"``), those ``data``, a frame, holds as numbers; for a
    file, all of them: the model gets a column's codes as numbers when
    every one is a number (as pandas reads the file), as text otherwise."""
    if names is None:
        return []
    if isinstance(names, str):
        names = names.split(",")
    if kind_of(data) == "path":
        return list(names)
    return [n for n in names if column_kind(data, n) in ("int", "float", "float32")]


def _typed(decisions: list, target_kind: Optional[str]) -> Optional[list]:
    """The class texts rulec decided, as values of the target's type; None
    when one does not read as that type (then they stay text)."""
    read = {
        "bool": lambda t: {"true": True, "false": False}[t],
        "int": int,
        "float": float,
        "float32": float,
    }.get(target_kind or "")
    if read is None:
        return None
    try:
        return [None if d is None else read(d) for d in decisions]
    except (KeyError, ValueError):
        return None


def _int_width(values: Optional[list], signed: Any, unsigned: Any) -> Any:
    """The 64-bit integer type that holds ``values``: unsigned when one
    is past the signed range (a uint64 target)."""
    big = values is not None and any(v is not None and v > 2**63 - 1 for v in values)
    return unsigned if big else signed


def decisions_frame(
    data: Any, decisions: list, rules: list, kind: str, target_kind: Optional[str] = None
):
    """The decisions as a frame of the input's kind (pandas for a path):
    columns ``decision`` and ``rule``, null where the fallback answers.
    With ``target_kind`` (the rules were compiled from a frame whose target
    held booleans, integers or floats) the decisions are of that type, in a
    column that can hold nulls; otherwise text."""
    typed = _typed(decisions, target_kind)
    if kind == "polars":
        import polars as pl

        dtype = {
            "bool": pl.Boolean,
            "int": _int_width(typed, pl.Int64, pl.UInt64),
            "float": pl.Float64,
            "float32": pl.Float32,
        }.get(target_kind or "", pl.String)
        return pl.DataFrame(
            {"decision": decisions if typed is None else typed, "rule": rules},
            schema={"decision": pl.String if typed is None else dtype, "rule": pl.String},
        )
    import pandas as pd

    index = data.index if kind == "pandas" else None
    if typed is None:
        decision = pd.array(decisions, dtype="object")
    else:
        dtype = {
            "bool": "boolean",
            "int": _int_width(typed, "Int64", "UInt64"),
            "float": "Float64",
            "float32": "Float32",
        }[target_kind]
        decision = pd.array(typed, dtype=dtype)
    return pd.DataFrame(
        {"decision": decision, "rule": pd.array(rules, dtype="object")},
        index=index,
    )
