# Apache Spark + Delta Lake side of the Spark interop tests: ONE long-running local[1] Spark
# session per test file. Reads one JSON command per line on stdin and answers one JSON line on
# stdout: {"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "..."}.
# Rows come back as Spark's own to_json of each row (values as Spark renders them: timestamps in
# UTC ISO form, decimals as numbers), so Python never converts a value (year-0001 timestamps).
#   {"op": "sql", "sql": "..."}                                  -> rows of the statement
#   {"op": "read", "path": P, "version"?: n, "timestamp"?: "..."} -> rows of the table
#   {"op": "changes", "path": P, "start": a, "end"?: b}          -> readChangeFeed rows
#   {"op": "stream", "path": P, "cdf"?: true}                    -> rows a streaming read (availableNow) delivers
#   {"op": "exec", "code": "..."}                                -> runs Python with `spark` and `path` in scope; result = `result`
import json
import os
import sys
import tempfile
import traceback

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


def rows(df):
    return [json.loads(r[0]) for r in df.select(F.to_json(F.struct(*[F.col(f"`{c}`") for c in df.columns]), {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", "ignoreNullFields": "false"})).collect()]


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
        return rows(reader.load(cmd["path"]))
    if op == "changes":
        reader = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", int(cmd["start"]))
        if cmd.get("end") is not None:
            reader = reader.option("endingVersion", int(cmd["end"]))
        return rows(reader.load(cmd["path"]))
    if op == "stream":
        reader = spark.readStream.format("delta")
        if cmd.get("cdf"):
            reader = reader.option("readChangeFeed", "true").option("startingVersion", 0)
        name = "shori_stream_%d" % cmd["id"]
        query = (reader.load(cmd["path"]).writeStream.format("memory").queryName(name)
                 .option("checkpointLocation", tempfile.mkdtemp(prefix="shori-spark-cp-"))
                 .trigger(availableNow=True).start())
        query.awaitTermination()
        out = rows(spark.table(name))
        spark.catalog.dropTempView(name)
        return out
    if op == "exec":
        scope = {"spark": spark, "F": F, "rows": rows, "result": None, **cmd.get("vars", {})}
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
