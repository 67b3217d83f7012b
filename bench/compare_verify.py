#!/usr/bin/env python3
"""Checks one comparison run's Bronze and Silver against the producer's manifest, like the seed stack's
verify.py (same checks, same verify.json lines), but reads through delta-rs' DataFusion scan
(QueryBuilder), which applies deletion vectors. verify.py reads with `to_pyarrow_table`, which refuses
tables with the deletionVectors reader feature, and the project's Silver has it. Every run, the
project's and the seed's, is checked by this same reader.

  python compare_verify.py --manifest topics/X.json RUN_DIR [RUN_DIR ...]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder


def query(path: str, sql: str) -> pa.Table:
    """`sql` over the table at `path`, registered as t (latest version, deletion vectors applied)."""
    return pa.table(QueryBuilder().register("t", DeltaTable(path)).execute(sql).read_all())


def silver_checksum(path: str, source: str | None):
    where = "" if source is None else " WHERE source = '" + source.replace("'", "''") + "'"
    t = query(path, f'SELECT "TicketID", "Status", "EstimatedCost" FROM t{where}')
    rows = sorted(zip(t["TicketID"].to_pylist(), t["Status"].to_pylist(), t["EstimatedCost"].to_pylist()))
    h = hashlib.sha256()
    for tid, status, cost in rows:
        h.update(f"{tid}|{status}|{cost:.2f}\n".encode())
    dup = len(rows) - len({r[0] for r in rows})
    return len(rows), h.hexdigest(), dup


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    man = json.load(open(args.manifest))
    ok = True
    for run in args.runs:
        lake = os.path.join(run, "data", "datalake")
        b = query(os.path.join(lake, "bronze", "cdc_events"), 'SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM t')
        bronze_rows, distinct = b["n"][0].as_py(), b["d"][0].as_py()
        silver = os.path.join(lake, "silver", "tickets")
        rows, digest, dup = silver_checksum(silver, man["source"])
        r = {
            "run": run, "reader": "deltalake QueryBuilder", "bronze_rows": bronze_rows, "bronze_distinct_offsets": distinct,
            "silver_rows": rows, "silver_checksum": digest, "silver_duplicate_ids": dup, "silver_version": DeltaTable(silver).version(),
            "bronze_ok": bronze_rows == man["messages"] == distinct,
            "silver_ok": rows == man["final_rows"] and digest == man["checksum"] and dup == 0,
        }
        ok = ok and r["bronze_ok"] and r["silver_ok"]
        print(json.dumps(r))
    print(json.dumps({"manifest_messages": man["messages"], "manifest_final_rows": man["final_rows"], "manifest_checksum": man["checksum"], "all_ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
