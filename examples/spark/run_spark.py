#!/usr/bin/env python3
"""Run rulec's Spark-dialect SQL with pyspark in local mode over a Parquet file.

The SQL comes from `rulec emit --lang sql --dialect spark`: the decisions
(`SELECT *, ... AS rulec_decision, ... AS rulec_rule FROM <table>`) and, with
`--evidence`, the per-rule evidence query. The Parquet file is registered as
a temporary view named like the `--table` the SQL was written for. Prints
one JSON object on standard output:

    {"spark_version": "4.0.1",
     "runs": [{"ansi": true,
               "decisions": [[row, decision, rule], ...],
               "evidence": [{"rulec_rule": "...", "support": 12, ...}, ...]}]}

`row` is the value of `--row-column` (rows sorted by it), or the row's
position in the file without it. `decision` and `rule` are null where no
rule covers the row. `--ansi both` runs the queries twice, with
`spark.sql.ansi.enabled` false and true (Spark 3 defaults to false, Spark 4
to true); the generated SQL must give the same answers either way.
"""

import argparse
import json
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="the Parquet file with the rule set's feature columns")
    p.add_argument("--table", default="data", help="the view name the SQL reads (default: data)")
    p.add_argument("--decisions", metavar="FILE.sql", help="the SELECT from `rulec emit --lang sql --dialect spark`")
    p.add_argument("--evidence", metavar="FILE.sql", help="the query from `rulec emit --lang sql --dialect spark --evidence`")
    p.add_argument("--row-column", help="a column numbering the rows, to report and order decisions by")
    p.add_argument(
        "--ansi",
        choices=["default", "true", "false", "both"],
        default="default",
        help="spark.sql.ansi.enabled for the runs (default: Spark's own)",
    )
    args = p.parse_args()
    if not args.decisions and not args.evidence:
        p.error("give --decisions, --evidence or both")
    return args


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def decisions(spark, sql, row_column):
    df = spark.sql(sql)
    if row_column:
        rows = df.select(row_column, "rulec_decision", "rulec_rule").orderBy(row_column).collect()
        return [[r[0], r[1], r[2]] for r in rows]
    # One Parquet file read in local mode keeps the file's order.
    rows = df.select("rulec_decision", "rulec_rule").collect()
    return [[i, r[0], r[1]] for i, r in enumerate(rows)]


def evidence(spark, sql):
    return [r.asDict() for r in spark.sql(sql).collect()]


def main():
    args = parse_args()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        sys.exit("error: cannot import pyspark; install it with `pip install pyspark` (needs Java 17)")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("rulec-sql")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        # Quoted, so that a table name with spaces or dots is one name, as
        # the generated SQL quotes it.
        view = "`" + args.table.replace("`", "``") + "`"
        spark.read.parquet(args.data).createOrReplaceTempView(view)
        decisions_sql = read(args.decisions) if args.decisions else None
        evidence_sql = read(args.evidence) if args.evidence else None
        modes = {"default": [None], "true": [True], "false": [False], "both": [False, True]}[args.ansi]
        runs = []
        for ansi in modes:
            if ansi is not None:
                spark.conf.set("spark.sql.ansi.enabled", "true" if ansi else "false")
            run = {"ansi": spark.conf.get("spark.sql.ansi.enabled") == "true"}
            if decisions_sql is not None:
                run["decisions"] = decisions(spark, decisions_sql, args.row_column)
            if evidence_sql is not None:
                run["evidence"] = evidence(spark, evidence_sql)
            runs.append(run)
        json.dump({"spark_version": spark.version, "runs": runs}, sys.stdout)
        sys.stdout.write("\n")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
