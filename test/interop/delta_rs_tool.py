# delta-rs (Python `deltalake`) side of the interop tests: reads a table and prints what delta-rs
# sees as JSON (values normalised to text, timestamps as UTC '%Y-%m-%dT%H:%M:%S.%f'), or writes /
# maintains a table with delta-rs. Run by test/interop/delta-rs.test.ts with the venv python.
#   read PATH [VERSION]          -> {version, protocol, schema, rows, history, txns, files}
#   versions PATH                -> [{version, rows}] for every version 0..latest
# Tables with deletion vectors are read through QueryBuilder (DataFusion), which applies them;
# to_pyarrow_table() refuses them.
#   cdf PATH FROM [TO]           -> rows of load_cdf (with _change_type, _commit_version, _commit_timestamp)
#   write-tickets PATH           -> delta-rs writes a CDF tickets table: append, merge, delete, update, checkpoint, append
#   append-tickets PATH FIRST N  -> delta-rs appends N tickets
#   optimize PATH | vacuum PATH | checkpoint PATH
# PATH may be an object-store URI (s3://, az://); DELTA_RS_STORAGE_OPTIONS (JSON) then holds
# delta-rs' storage options (endpoint, credentials), as test/objectstore passes them.
import datetime
import json
import os
import sys
from decimal import Decimal

import deltalake
import pyarrow as pa


OPTIONS = json.loads(os.environ.get("DELTA_RS_STORAGE_OPTIONS") or "null")


def open_table(path, version=None):
    return deltalake.DeltaTable(path, version=None if version is None else int(version), storage_options=OPTIONS)


def write(path, data, **kwargs):
    deltalake.write_deltalake(path, data, storage_options=OPTIONS, **kwargs)


def norm(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(v)


def rows_of(table):
    return [{k: norm(v) for k, v in r.items()} for r in table.to_pylist()]


def data_of(dt):
    if "deletionVectors" in (dt.protocol().reader_features or []):
        from deltalake import QueryBuilder
        return pa.table(QueryBuilder().register("t", dt).execute("SELECT * FROM t").read_all())
    return dt.to_pyarrow_table()


def versions(path):
    latest = open_table(path).version()
    return [{"version": v, "rows": rows_of(data_of(open_table(path, v)))} for v in range(0, latest + 1)]


def schema_of(dt):
    fields = json.loads(dt.schema().to_json())["fields"]
    return [{"name": f["name"], "type": f["type"], "nullable": f["nullable"]} for f in fields]


def read(path, version=None):
    dt = open_table(path, version)
    history = [{"version": h.get("version"), "operation": h.get("operation")} for h in dt.history()]
    txns = {}
    for app in ("app-a", "app-b", "job"):
        v = dt.transaction_version(app)
        if v is not None:
            txns[app] = v
    p = dt.protocol()
    files = pa.table(dt.get_add_actions(flatten=True)).column("path").to_pylist()
    return {
        "version": dt.version(),
        "protocol": {"minReaderVersion": p.min_reader_version, "minWriterVersion": p.min_writer_version},
        "schema": schema_of(dt),
        "rows": rows_of(data_of(dt)),
        "history": history,
        "txns": txns,
        "files": sorted(files),
    }


def cdf(path, start, end=None):
    dt = open_table(path)
    reader = dt.load_cdf(starting_version=int(start), ending_version=None if end is None else int(end))
    return rows_of(pa.table(reader.read_all()))


TICKETS = pa.schema([
    pa.field("source", pa.string(), nullable=False),
    pa.field("TicketID", pa.int64(), nullable=False),
    pa.field("Title", pa.string()),
    pa.field("Status", pa.string()),
    pa.field("EstimatedCost", pa.decimal128(10, 2)),
    pa.field("UpdatedAt", pa.timestamp("us", tz="UTC")),
])


def tickets(first, count, status="Open"):
    base = datetime.datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    ids = list(range(first, first + count))
    return pa.table({
        "source": ["sqlserver" if i % 2 == 0 else "postgres" for i in ids],
        "TicketID": ids,
        "Title": [None if i % 5 == 0 else f"ticket {i}" for i in ids],
        "Status": [status for _ in ids],
        "EstimatedCost": [None if i % 7 == 0 else Decimal(i * 37 % 100000) / 100 for i in ids],
        "UpdatedAt": [None if i % 11 == 0 else base + datetime.timedelta(minutes=i, microseconds=i) for i in ids],
    }, schema=TICKETS)


def write_tickets(path):
    write(path, tickets(1, 20), partition_by=["source"],
                              configuration={"delta.enableChangeDataFeed": "true", "delta.checkpointInterval": "100"})
    dt = open_table(path)
    (dt.merge(tickets(15, 10, status="Closed"), "t.source = s.source AND t.TicketID = s.TicketID", source_alias="s", target_alias="t")
       .when_matched_update_all().when_not_matched_insert_all().execute())
    dt.delete("\"TicketID\" IN (2, 3)")
    dt.update(updates={"Status": "'Pending'"}, predicate="\"TicketID\" = 4")
    dt.create_checkpoint()
    write(path, tickets(30, 3), mode="append", partition_by=["source"])


def main():
    cmd, path, *rest = sys.argv[1:]
    out = None
    if cmd == "read":
        out = read(path, *rest)
    elif cmd == "versions":
        out = versions(path)
    elif cmd == "cdf":
        out = cdf(path, *rest)
    elif cmd == "write-tickets":
        write_tickets(path)
    elif cmd == "append-tickets":
        write(path, tickets(int(rest[0]), int(rest[1])), mode="append", partition_by=["source"])
    elif cmd == "optimize":
        out = open_table(path).optimize.compact()
    elif cmd == "vacuum":
        out = sorted(open_table(path).vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False))
    elif cmd == "checkpoint":
        open_table(path).create_checkpoint()
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(out, default=str))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: pyarrow/deltalake thread pools sometimes abort there


if __name__ == "__main__":
    main()
