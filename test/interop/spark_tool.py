# Apache Spark + Delta Lake side of the Spark interop tests: ONE long-running local[1] Spark
# session per test file. Reads one JSON command per line on stdin and answers one JSON line on
# stdout: {"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "..."}.
# Rows come back as Spark's own to_json of each row (values as Spark renders them: timestamps in
# UTC ISO form, decimals as numbers), so Python never converts a value (year-0001 timestamps).
# Table reads answer {"columns": [...], "rows": [canonical row, ...]}: each row is the JSON text of
# its canonical column values, exactly as test/conformance/canonical.ts renders our values.
#   {"op": "sql", "sql": "..."}                                  -> rows of the statement (JSON objects)
#   {"op": "read", "path": P, "version"?: n, "timestamp"?: "..."} -> canonical rows of the table
#   {"op": "changes", "path": P, "start": a, "end"?: b}          -> canonical readChangeFeed rows
#   {"op": "stream", "path": P, "cdf"?: true}                    -> canonical rows a streaming read (availableNow) delivers
#   {"op": "exec", "code": "..."}                                -> runs Python with `spark` and `path` in scope; result = `result`
#   {"op": "read_many", "reads": [{"path": P, "version": n|null}, ...]}
#       -> one entry per read, in order: {"path", "version", "files": [absolute data file paths],
#          "columns", "rows"}, or {"path", "version", "errorClass", "error"} when Spark refuses it
#          (files stay when the snapshot loaded but reading its rows failed)
import base64
import json
import math
import os
import struct
import sys
import tempfile
import traceback
from decimal import Decimal, localcontext

from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def session():
    # Loopback only: never let Spark pick the machine's external address for its RPC.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    builder = (
        SparkSession.builder.master("local[1]")
        .appName("shori-delta-interop")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.databricks.delta.snapshotPartitions", "1")
        .config("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="shori-spark-wh-"))
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


JSON_OPTIONS = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", "timestampNTZFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "dateFormat": "yyyy-MM-dd", "ignoreNullFields": "false"}


def json_texts(df):
    return [r[0] for r in df.select(F.to_json(F.struct(*[F.col(f"`{c}`") for c in df.columns]), JSON_OPTIONS)).collect()]


def rows(df):
    return [json.loads(t) for t in json_texts(df)]


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


def dumps(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def as_float(v):
    return float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf"))


def canon(v, typ):
    """The canonical value (test/conformance/canonical.ts) of a value parsed from Spark's to_json."""
    if v is None:
        return None
    if isinstance(typ, str):
        if typ in ("integer", "long", "short", "byte"):
            return str(int(v))
        if typ == "double":
            return fmt_float(as_float(v))
        if typ == "float":  # the float32 value, widened exactly as DuckDB widens it
            return fmt_float(struct.unpack("f", struct.pack("f", as_float(v)))[0])
        if typ == "boolean":
            return bool(v)
        if typ == "binary":
            return base64.b64decode(v).hex()
        if typ in ("string", "date", "timestamp", "timestamp_ntz"):
            return v
        if typ.startswith("decimal"):
            scale = int(typ[typ.index(",") + 1:-1])
            with localcontext() as ctx:
                ctx.prec = 100
                return format(Decimal(v).quantize(Decimal(1).scaleb(-scale)), "f")
        raise ValueError("unknown type " + typ)
    kind = typ["type"]
    if kind == "struct":
        return {f["name"]: canon(v.get(f["name"]), f["type"]) for f in typ["fields"]}
    if kind == "array":
        return [canon(x, typ["elementType"]) for x in v]
    if kind == "map":
        key = typ["keyType"]
        if isinstance(v, list):  # a map with non-primitive keys, as {key, value} entries (see keyed)
            pairs = [[canon(e["key"], key), canon(e["value"], typ["valueType"])] for e in v]
            return sorted(pairs, key=dumps)
        pairs = [[canon(int(k) if key in ("integer", "long", "short", "byte") else k, key), canon(x, typ["valueType"])] for k, x in v.items()]
        return sorted(pairs, key=dumps)
    raise ValueError("unknown type " + json.dumps(typ))


PRIMITIVE = ("integer", "long", "short", "byte", "string", "boolean", "date", "timestamp", "timestamp_ntz", "binary", "float", "double")


def complex_key(typ):
    """Whether a map below `typ` has a non-primitive key, which to_json renders by toString."""
    if isinstance(typ, str):
        return False
    kind = typ["type"]
    if kind == "struct":
        return any(complex_key(f["type"]) for f in typ["fields"])
    if kind == "array":
        return complex_key(typ["elementType"])
    key = typ["keyType"]
    return not (isinstance(key, str) and (key in PRIMITIVE or key.startswith("decimal"))) or complex_key(key) or complex_key(typ["valueType"])


def keyed(col, typ):
    """`col` with every map below it turned into an array of {key, value} structs where needed."""
    if not complex_key(typ):
        return col
    kind = typ["type"]
    if kind == "struct":
        rebuilt = F.struct(*[keyed(col[f["name"]], f["type"]).alias(f["name"]) for f in typ["fields"]])
        return F.when(col.isNull(), F.lit(None)).otherwise(rebuilt)  # a NULL struct stays NULL
    if kind == "array":
        return F.transform(col, lambda x: keyed(x, typ["elementType"]))
    return F.transform(F.map_entries(col), lambda e: F.struct(keyed(e["key"], typ["keyType"]).alias("key"), keyed(e["value"], typ["valueType"]).alias("value")))


def canonical(df):
    fields = df.schema.jsonValue()["fields"]
    if any(complex_key(f["type"]) for f in fields):
        df = df.select(*[keyed(F.col(f"`{f['name']}`"), f["type"]).alias(f["name"]) for f in fields])
    out = []
    for text in json_texts(df):
        row = json.loads(text, parse_float=Decimal)
        out.append(dumps([canon(row.get(f["name"]), f["type"]) for f in fields]))
    return {"columns": [f["name"] for f in fields], "rows": out}


def error_class(error):
    """Spark's error condition (e.g. DELTA_VERSIONS_NOT_CONTIGUOUS), else the Java or Python class."""
    condition = getattr(error, "getCondition", None) or getattr(error, "getErrorClass", None)
    try:
        name = condition() if condition else None
    except Exception:  # noqa: BLE001 - not every exception carries one
        name = None
    if name:
        return name
    java = getattr(error, "java_exception", None)
    if java is not None:
        try:
            cond = java.getCondition() if hasattr(java, "getCondition") else None
        except Exception:  # noqa: BLE001
            cond = None
        return cond or java.getClass().getName()
    return type(error).__name__


def file_path(uri):
    # inputFiles() answers Hadoop path strings ("file:/dir/a%3Ab"): the text after the scheme is the
    # file's name on disk, not URI-encoded (Hadoop's own partition-directory escapes stay).
    return "/" + uri[len("file:"):].lstrip("/") if uri.startswith("file:") else uri


def read_one(spark, path, version):
    out = {"path": path, "version": version}
    try:
        reader = spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", int(version))
        df = reader.load(path)
        out["files"] = sorted(file_path(u) for u in df.inputFiles())
        out.update(canonical(df))
    except Exception as error:  # noqa: BLE001 - Spark's refusal is data here
        out.pop("columns", None)
        out["errorClass"] = error_class(error)
        out["error"] = str(error).split("\n")[0][:500]
    return out


def handle(spark, cmd):
    op = cmd["op"]
    if op == "sql":
        return rows(spark.sql(cmd["sql"]))
    if op == "read":
        reader = spark.read.format("delta")
        if cmd.get("version") is not None:
            reader = reader.option("versionAsOf", int(cmd["version"]))
        if cmd.get("timestamp") is not None:
            reader = reader.option("timestampAsOf", cmd["timestamp"])
        return canonical(reader.load(cmd["path"]))
    if op == "changes":
        reader = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", int(cmd["start"]))
        if cmd.get("end") is not None:
            reader = reader.option("endingVersion", int(cmd["end"]))
        return canonical(reader.load(cmd["path"]))
    if op == "stream":
        reader = spark.readStream.format("delta")
        if cmd.get("cdf"):
            reader = reader.option("readChangeFeed", "true").option("startingVersion", 0)
        name = "shori_stream_%d" % cmd["id"]
        query = (reader.load(cmd["path"]).writeStream.format("memory").queryName(name)
                 .option("checkpointLocation", tempfile.mkdtemp(prefix="shori-spark-cp-"))
                 .trigger(availableNow=True).start())
        query.awaitTermination()
        out = canonical(spark.table(name))
        spark.catalog.dropTempView(name)
        return out
    if op == "read_many":
        return [read_one(spark, r["path"], r.get("version")) for r in cmd["reads"]]
    if op == "exec":
        scope = {"spark": spark, "F": F, "rows": rows, "canonical": canonical, "result": None, **cmd.get("vars", {})}
        exec(cmd["code"], scope)
        return scope["result"]
    raise ValueError("unknown op %s" % op)


def main():
    spark = session()
    print(json.dumps({"id": 0, "ok": True, "result": {"spark": spark.version}}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            reply = {"id": cmd["id"], "ok": True, "result": handle(spark, cmd)}
        except Exception as error:  # reported to the test, which decides
            text = str(error)
            reply = {"id": cmd["id"], "ok": False, "error": text[:4000] or traceback.format_exc()[-4000:]}
        print(json.dumps(reply, default=str), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
