"""Partition the yearly figures by year on PostgreSQL (issue 17 §5: what changes past one database server).

A province's database holds tens of millions of 年度数据 rows, and nearly every query reads one year (an evaluation,
a list, an import's upsert). `partition_yearly_figures` turns `ledger_yearlyfigure` into a table partitioned by
RANGE (year): one partition per year of the span given and a DEFAULT partition for any other year, so that nothing
the application writes is ever refused. PostgreSQL then reads only the year's partition (partition pruning), and an
old year can be detached and archived as a table of its own.

The table's columns, defaults and checks are copied; every constraint and index of the old table is created again
under its old name after the old table is dropped — the primary key becomes (id, year), as PostgreSQL requires the
partition key in every unique constraint, and any other unique constraint must already contain `year` (the ledger's
one, enterprise + year, does). The ids keep counting from where they were (a sequence owned by `id`). Everything runs
in one transaction under an ACCESS EXCLUSIVE lock: it either completes or leaves the table as it was.
Django does not know or need to know: the model is unchanged, and later migrations that add a column or an index
apply to the partitioned table as to any other. SQLite has no partitions; the command refuses it with a message.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from parkgov.errors import ConfigError
from parkgov.ledger.models import YearlyFigure

TABLE = YearlyFigure._meta.db_table
KEY = "year"


@dataclass(frozen=True)
class PartitionReport:
    rows: int
    partitions: list  # names, in year order, then the default one
    already: bool = False


def is_partitioned(cursor, table: str = TABLE) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
    return cursor.fetchone() is not None


def partition_names(cursor, table: str = TABLE) -> list:
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname", [table])
    return [name for (name,) in cursor.fetchall()]


def partition_yearly_figures(*, first_year: int, last_year: int) -> PartitionReport:
    """Partition the yearly figures by year, one partition per year from `first_year` to `last_year` and a default
    one; a table partitioned before gets the missing years' partitions (rows of those years move out of the
    default partition)."""
    if connection.vendor != "postgresql":
        raise ConfigError("按年度分区只适用于 PostgreSQL（SQLite 没有分区表）")
    if not 1900 <= first_year <= last_year <= 2200:
        raise ConfigError(f"年度范围无效：{first_year}–{last_year}（应为 1900 至 2200 之间、起始不大于结束）")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks pending on the table would block its drop
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        if is_partitioned(cursor):
            _add_years(cursor, TABLE, range(first_year, last_year + 1))
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            return PartitionReport(rows=cursor.fetchone()[0], partitions=partition_names(cursor), already=True)
        _refuse_dependants(cursor)
        constraints, indexes = _definitions(cursor)
        new = f"{TABLE}_partitioned"
        cursor.execute(f"CREATE TABLE {new} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({KEY})")
        cursor.execute(f"CREATE TABLE {new}_default PARTITION OF {new} DEFAULT")
        _add_years(cursor, new, range(first_year, last_year + 1), moving=False)
        cursor.execute(f"INSERT INTO {new} SELECT * FROM {TABLE}")
        rows = cursor.rowcount
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {TABLE}")
        next_id = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {TABLE}")  # its identity sequence with it
        cursor.execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
        for name in partition_names(cursor):
            cursor.execute(f"ALTER TABLE {name} RENAME TO {name.replace(new, TABLE, 1)}")
        sequence = f"{TABLE}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {sequence} OWNED BY {TABLE}.id START WITH {int(next_id)}")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
        for name, kind, definition in constraints:
            if kind == "p":
                definition = f"PRIMARY KEY (id, {KEY})"
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {TABLE}")
        return PartitionReport(rows=rows, partitions=partition_names(cursor))


def _refuse_dependants(cursor) -> None:
    """Views on the table or foreign keys into it would be lost with it: refuse, naming them."""
    cursor.execute("SELECT DISTINCT v.relname FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
                   "JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = to_regclass(%s) AND v.oid <> d.refobjid",
                   [TABLE])
    views = [name for (name,) in cursor.fetchall()]
    cursor.execute("SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = "
                   "to_regclass(%s)", [TABLE])
    keys = [f"{table}.{name}" for name, table in cursor.fetchall()]
    if views or keys:
        raise ConfigError(f"{TABLE} 仍被其他对象引用，未分区（什么也没改）：" + "、".join(
            [f"视图 {v}" for v in views] + [f"外键 {k}" for k in keys]))


def _definitions(cursor) -> tuple[list, list]:
    """(name, type, definition) of the table's constraints other than NOT NULL and CHECK (LIKE copies those), and
    the CREATE INDEX statements of its indexes that no constraint owns. A unique constraint without the partition
    key is refused (PostgreSQL could not enforce it across partitions)."""
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                   "to_regclass(%s) AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype DESC, conname", [TABLE])
    constraints = cursor.fetchall()
    for name, kind, definition in constraints:
        if kind == "u" and KEY not in definition.split("(", 1)[1]:
            raise ConfigError(f"唯一约束 {name}（{definition}）不含年度，无法按年度分区（什么也没改）")
    cursor.execute("SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND NOT "
                   "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1", [TABLE])
    return constraints, [definition for (definition,) in cursor.fetchall()]


def _add_years(cursor, table: str, years, moving: bool = True) -> None:
    """A partition for each year that has none; rows of that year move out of the default partition."""
    existing = set(partition_names(cursor, table))
    for year in years:
        name = f"{table}_y{year}"
        if name in existing:
            continue
        if moving:  # a partition cannot be added while the default one holds rows of its range
            cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(f"WITH moved AS (DELETE FROM {table}_default WHERE {KEY} = %s RETURNING *) "
                           f"INSERT INTO {name} SELECT * FROM moved", [year])
            cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({year}) TO ({year + 1})")
        else:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ({year}) TO ({year + 1})")
