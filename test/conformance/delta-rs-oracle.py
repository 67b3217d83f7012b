# Reference reader for test/conformance/golden.test.ts: delta-rs (Python `deltalake`) reads each
# table given on stdin (one absolute path per line) at every version 0..latest and prints one JSON
# line per (table, version): {"table", "version", "files": [absolute data file paths], "columns",
# "rows": [canonical row, ...]}; when reading rows fails, "error" replaces columns/rows (files stay
# when the snapshot itself loaded); when even the latest version cannot load, version is null. A canonical row is a JSON array of canonical column values in
# schema order, serialised compactly; the TypeScript side builds the same text from DuckDB values:
#   integers -> decimal string; float/double -> shortest round-trip in exponent form ("1.5e+2"),
#   "NaN", "Infinity", "-Infinity", "0", "-0"; decimal -> fixed point at the type's scale;
#   date -> "YYYY-MM-DD"; timestamp -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC), timestamp_ntz same
#   without "Z"; binary -> lowercase hex; struct -> object in schema order; array -> list;
#   map -> list of [key, value] pairs sorted by their JSON text; null -> null.
# Rows come from `to_pyarrow_table()`, except where it is known to mis-read or fails: column-mapped
# tables (it returns NULL data columns) and versions it cannot read (deletion vectors, V2
# checkpoints, its negative-decimal partition bug) are read through delta-rs' `QueryBuilder`
# (DataFusion), which reads them correctly; "via" says which path gave the rows.
import json, math, os, sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import deltalake
import pyarrow as pa
from deltalake import QueryBuilder

EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_NAIVE = datetime(1970, 1, 1)
ONE_US = timedelta(microseconds=1)


def fmt_float(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign, digits, exp = Decimal(repr(x)).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    e = exp + len(digits) - 1
    mant = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return ("-" if sign else "") + mant + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def fmt_micros(us, utc):
    dt = EPOCH_NAIVE + timedelta(microseconds=us)
    return dt.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + ".%06d" % dt.microsecond + ("Z" if utc else "")


def canon(value, typ):
    if value is None:
        return None
    if isinstance(typ, str):
        if typ in ("integer", "long", "short", "byte"):
            return str(int(value))
        if typ in ("float", "double"):
            return fmt_float(float(value))
        if typ == "boolean":
            return bool(value)
        if typ == "string":
            return value
        if typ == "binary":
            return bytes(value).hex()
        if typ == "date":
            return value.isoformat()
        if typ == "timestamp":
            if value.tzinfo is None:  # DataFusion may hand UTC timestamps back without a zone
                value = value.replace(tzinfo=timezone.utc)
            return fmt_micros((value - EPOCH_AWARE) // ONE_US, True)
        if typ == "timestamp_ntz":
            return fmt_micros((value - EPOCH_NAIVE) // ONE_US, False)
        if typ.startswith("decimal"):
            scale = int(typ[typ.index(",") + 1:-1])
            with localcontext() as ctx:
                ctx.prec = 100
                return format(Decimal(value).quantize(Decimal(1).scaleb(-scale)), "f")
        raise ValueError("unknown type " + typ)
    kind = typ["type"]
    if kind == "struct":
        return {f["name"]: canon(value.get(f["name"]), f["type"]) for f in typ["fields"]}
    if kind == "array":
        return [canon(v, typ["elementType"]) for v in value]
    if kind == "map":
        pairs = [[canon(k, typ["keyType"]), canon(v, typ["valueType"])] for k, v in value]
        return sorted(pairs, key=lambda p: dumps(p))
    raise ValueError("unknown type " + json.dumps(typ))


def dumps(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def read(path, version, out):
    dt = deltalake.DeltaTable(path, version=version)
    out["files"] = sorted(dt.file_uris())
    fields = json.loads(dt.schema().to_json())["fields"]
    mapped = (dt.metadata().configuration or {}).get("delta.columnMapping.mode", "none") != "none"
    table = None
    if not mapped:
        try:
            table = dt.to_pyarrow_table()
            out["via"] = "to_pyarrow_table"
        except Exception:  # noqa: BLE001 - try the DataFusion reader next
            table = None
    if table is None:
        table = pa.table(QueryBuilder().register("t", dt).execute("SELECT * FROM t").read_all())
        out["via"] = "querybuilder"
    out["columns"] = [f["name"] for f in fields]
    out["rows"] = [dumps([canon(r.get(f["name"]), f["type"]) for f in fields]) for r in table.to_pylist()]


def main():
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        try:
            latest = deltalake.DeltaTable(path).version()
        except Exception as e:  # noqa: BLE001 - the reference's refusal is data here
            print(dumps({"table": path, "version": None, "error": f"{type(e).__name__}: {e}"[:500]}), flush=True)
            continue
        for v in range(0, latest + 1):
            out = {"table": path, "version": v}
            try:
                read(path, v, out)
            except Exception as e:  # noqa: BLE001
                out.pop("columns", None)
                out["error"] = f"{type(e).__name__}: {e}"[:500]
            print(dumps(out), flush=True)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: pyarrow/deltalake thread pools sometimes abort there


main()
