"""PostgreSQL views for QGIS: schema `qgis`, Chinese column names, typed geometry (MultiPolygon, EPSG:4490).

Two plain views, so they are always current (QGIS's bounding-box filter reaches the GiST index of
ledger_parcel.geom through them; the per-parcel values are LATERAL subqueries, computed only for the rows read):
- qgis."地块": one row per current parcel (not ended by a split or merge) — code, park, area in 亩, supply status, the firms using it today (names and credit
  codes joined with 、 in credit-code order, their current class and tier in the same order), the lists it or its
  firms are on, the open cases on it or its firms, and its idle-land status in the latest review.
- qgis."企业地块": one row per current land link on a current parcel (a firm with three parcels has three rows), the
  firm's values.
"Current class" is the map's: the latest whole-ledger evaluation run (latest year, then latest run); the tier
from the latest such run that assigned tiers; lists are the latest run of each rule in the latest list year.

A read-only role (`ensure_role`, default `parkgov_qgis`) gets USAGE on the schema and SELECT on its views, nothing
else: the views run with their owner's rights, so the role reads them without reading any table. Labels (supply
status, case state, idle status, link role) are written into the views from the choices when they are created:
`create_views` runs in migration spatial 0002 and after every `migrate` (and `drop_views` before it, so that a later
migration may alter a column the views read). On SQLite nothing here runs; the GPKG exports serve QGIS there.
"""

from django.db import connection

from parkgov.evaluation.models import EvaluationResult, EvaluationRun
from parkgov.governance.choices import CaseState
from parkgov.governance.models import Case, ListEntry, ListRun
from parkgov.ledger.choices import LinkRole, SupplyStatus
from parkgov.ledger.models import Enterprise, LandLink, Parcel, Zone
from parkgov.supply.choices import IdleStatus
from parkgov.supply.models import IdleCheck, ReviewRun

SCHEMA = "qgis"
ROLE = "parkgov_qgis"
VIEWS = ("地块", "企业地块")
MU_M2 = "(10000.0 / 15)"  # 1 亩 = 10000/15 m² exactly
GEOMETRY = "geometry(MultiPolygon, 4490)"


def _t(model) -> str:
    return model._meta.db_table


def _label(column: str, choices) -> str:
    """A CASE turning stored codes into their Chinese labels (quotes doubled)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        whens = " ".join(f"WHEN '{value}' THEN '{str(label).replace(chr(39), chr(39) * 2)}'"
                         for value, label in choices)
    return f"CASE {column} {whens} ELSE {column} END"


def _final_states() -> str:
    from parkgov.governance.case_queries import final_states

    return ", ".join(f"'{state}'" for state in sorted(final_states())) or "''"


def _runs() -> str:
    """The CTEs naming the runs the views read (each one row at most)."""
    runs, results = _t(EvaluationRun), _t(EvaluationResult)
    lists, reviews = _t(ListRun), _t(ReviewRun)
    latest = "ORDER BY r.year DESC, r.created_at DESC, r.id DESC LIMIT 1"
    # tier_run: the latest run of a rule set that defines tiers (named when the views are made) — asking the
    # results whether a run gave any tier read every result of each newer untiered run: 140 ms a query at 83k
    # parcels. list_runs is materialised so that each parcel's entries are found by their own indexes.
    return (f"WITH class_run AS (SELECT r.id FROM {runs} r WHERE r.zone_id IS NULL {latest}), "
            f"tier_run AS (SELECT r.id FROM {runs} r WHERE r.zone_id IS NULL AND r.ruleset_id IN ({_tiered()}) "
            f"{latest}), "
            f"list_runs AS MATERIALIZED (SELECT DISTINCT ON (rule_id) id, rule_name FROM {lists} "
            f"WHERE year = (SELECT max(year) FROM {lists}) ORDER BY rule_id, created_at DESC, id DESC), "
            f"review_run AS (SELECT id FROM {reviews} WHERE zone_id IS NULL ORDER BY as_of DESC, created_at DESC, "
            f"id DESC LIMIT 1) ")


def _tiered() -> str:
    """The built-in rule sets that define tiers, as an SQL list (a zone's own YAML rule set with tiers: its runs
    show no tier here; the GPKG export of its results has them)."""
    from parkgov.evaluation.ruleset import builtin_rulesets

    ids = {key for key, ruleset in builtin_rulesets().items() if ruleset.tiers}
    return ", ".join(f"'{i.replace(chr(39), chr(39) * 2)}'" for i in sorted(ids)) or "''"


def _lists(parcel: str, firms: str) -> str:
    # OFFSET 0 keeps the entries found by parcel / firm first (a few rows), then matched to the current runs;
    # otherwise the planner intersects with the run index (thousands of rows a parcel: 1.3 ms → 100 s a full read)
    return (f"LEFT JOIN LATERAL (SELECT string_agg(DISTINCT lr.rule_name, '、') AS names FROM "
            f"(SELECT le.run_id FROM {_t(ListEntry)} le WHERE le.parcel_id = {parcel} "
            f"OR le.enterprise_id = ANY({firms}) OFFSET 0) le JOIN list_runs lr ON lr.id = le.run_id) ls ON true ")


def _cases(parcel: str, firms: str) -> str:
    state = _label("k.state", CaseState.choices)
    return (f"LEFT JOIN LATERAL (SELECT string_agg(k.number || ' ' || {state}, '；' ORDER BY k.number) AS states "
            f"FROM {_t(Case)} k WHERE (k.parcel_id = {parcel} OR k.enterprise_id = ANY({firms})) "
            f"AND k.state NOT IN ({_final_states()})) cs ON true ")


def _idle(parcel: str) -> str:
    status = _label("i.status", IdleStatus.choices)
    return (f"LEFT JOIN LATERAL (SELECT {status} AS status FROM {_t(IdleCheck)} i WHERE i.parcel_id = {parcel} "
            f"AND i.run_id = (SELECT id FROM review_run) ORDER BY i.id LIMIT 1) ic ON true ")


def _current(alias: str) -> str:
    return f"({alias}.end_date IS NULL OR {alias}.end_date >= CURRENT_DATE)"


def parcels_sql() -> str:
    """qgis."地块": a row per current parcel."""
    results = _t(EvaluationResult)
    return (
        _runs()
        + f'SELECT p.id, p.code AS "地块编码", p.land_code AS "宗地代码", z.code AS "园区编码", z.name AS "园区名称", '
        f'(p.registered_area_m2 / {MU_M2})::float8 AS "土地面积（亩）", '
        f'{_label("p.supply_status", SupplyStatus.choices)} AS "供地状态", '
        f'f.names AS "企业名称", f.codes AS "统一社会信用代码", f.classes AS "评价类别", f.tiers AS "档位", '
        f'ls.names AS "所在清单", cs.states AS "案件状态", ic.status AS "闲置状态", '
        f"p.geom::{GEOMETRY} AS geom "
        f"FROM {_t(Parcel)} p JOIN {_t(Zone)} z ON z.id = p.zone_id "
        f"LEFT JOIN LATERAL (SELECT string_agg(e.name, '、' ORDER BY e.credit_code) AS names, "
        f"string_agg(e.credit_code, '、' ORDER BY e.credit_code) AS codes, "
        f"string_agg(coalesce(c.class_final, '-'), '、' ORDER BY e.credit_code) AS classes, "
        f"string_agg(coalesce(nullif(t.tier, ''), '-'), '、' ORDER BY e.credit_code) AS tiers, "
        f"array_agg(e.id) AS ids "
        f"FROM (SELECT DISTINCT l.enterprise_id FROM {_t(LandLink)} l WHERE l.parcel_id = p.id AND {_current('l')}) l "
        f"JOIN {_t(Enterprise)} e ON e.id = l.enterprise_id "
        f"LEFT JOIN {results} c ON c.enterprise_id = e.id AND c.run_id = (SELECT id FROM class_run) "
        f"LEFT JOIN {results} t ON t.enterprise_id = e.id AND t.run_id = (SELECT id FROM tier_run)) f ON true "
        + _lists("p.id", "f.ids") + _cases("p.id", "f.ids") + _idle("p.id")
        + "WHERE p.ended_on IS NULL")  # not parcels ended by a split or merge (they overlap their successors)


def firm_parcels_sql() -> str:
    """qgis."企业地块": a row per current land link, the firm's values on its parcel."""
    results = _t(EvaluationResult)
    return (
        _runs()
        + f'SELECT l.id, p.code AS "地块编码", p.land_code AS "宗地代码", z.code AS "园区编码", '
        f'e.name AS "企业名称", e.credit_code AS "统一社会信用代码", {_label("l.role", LinkRole.choices)} AS "用地关系", '
        f'(p.registered_area_m2 / {MU_M2})::float8 AS "土地面积（亩）", '
        f'c.class_final AS "评价类别", nullif(t.tier, \'\') AS "档位", '
        f'ls.names AS "所在清单", cs.states AS "案件状态", ic.status AS "闲置状态", '
        f"p.geom::{GEOMETRY} AS geom "
        f"FROM {_t(LandLink)} l JOIN {_t(Parcel)} p ON p.id = l.parcel_id JOIN {_t(Zone)} z ON z.id = p.zone_id "
        f"JOIN {_t(Enterprise)} e ON e.id = l.enterprise_id "
        f"LEFT JOIN {results} c ON c.enterprise_id = e.id AND c.run_id = (SELECT id FROM class_run) "
        f"LEFT JOIN {results} t ON t.enterprise_id = e.id AND t.run_id = (SELECT id FROM tier_run) "
        + _lists("p.id", "ARRAY[e.id]") + _cases("p.id", "ARRAY[e.id]") + _idle("p.id")
        + f"WHERE {_current('l')} AND p.ended_on IS NULL")


def drop_views(cursor) -> None:
    for view in VIEWS:
        cursor.execute(f'DROP VIEW IF EXISTS {SCHEMA}."{view}"')


def create_views(cursor) -> None:
    """(Re)create the schema and its views, and give an existing read-only role SELECT on them again."""
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    drop_views(cursor)
    for view, sql in zip(VIEWS, (parcels_sql(), firm_parcels_sql())):
        cursor.execute(f'CREATE VIEW {SCHEMA}."{view}" AS {sql}')
        cursor.execute(f"COMMENT ON VIEW {SCHEMA}.\"{view}\" IS %s", [VIEW_COMMENTS[view]])
    cursor.execute("SELECT rolname FROM pg_roles r JOIN pg_namespace n ON n.nspname = %s "
                   "WHERE has_schema_privilege(r.oid, n.oid, 'USAGE') AND NOT r.rolsuper "
                   "AND r.oid <> n.nspowner", [SCHEMA])
    for (role,) in cursor.fetchall():
        _grant(cursor, role)


VIEW_COMMENTS = {"地块": "园区管家：每宗地块一行（企业、评价类别、档位、清单、案件、闲置状态），只读",
                 "企业地块": "园区管家：每个现行用地关系一行（企业在其地块上的评价类别、档位、清单、案件、闲置状态），只读"}


def ensure_role(*, role: str = ROLE, password: str | None = None) -> None:
    """Create (or update) the read-only role: NOLOGIN without `password`, else LOGIN with it; USAGE on the schema
    and SELECT on its views only."""
    from psycopg import sql

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("NOLOGIN")
        statement = sql.SQL("{} ROLE {} {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(
            sql.SQL(verb), sql.Identifier(role), login)
        cursor.execute(statement.as_string(cursor.connection))
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        _grant(cursor, role)


def _grant(cursor, role: str) -> None:
    from psycopg import sql

    name = sql.Identifier(role).as_string(cursor.connection)
    cursor.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {name}")
    cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {name}")


TYPED_TABLES = (Parcel, Zone)
TYPED_GEOM = (f"{GEOMETRY} GENERATED ALWAYS AS "
              f"(ST_Multi(ST_CollectionExtract(ST_SetSRID(ST_GeomFromWKB(geometry), 4490), 3))) STORED")


def type_geometry(cursor, *, typed: bool = True) -> None:
    """Replace the generated `geom` of parcels and zones (ledger 0002: geometry(Geometry, 4490), which QGIS lists
    as "Unknown") by a MultiPolygon one — polygons of the stored WKB made multi, anything else empty — and
    re-index it; `typed=False` restores the untyped column."""
    for model in TYPED_TABLES:
        table = _t(model)
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS geom")
        column = TYPED_GEOM if typed else ("geometry(Geometry, 4490) GENERATED ALWAYS AS "
                                           "(ST_SetSRID(ST_GeomFromWKB(geometry), 4490)) STORED")
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN geom {column}")
        cursor.execute(f"CREATE INDEX {table}_geom_gist ON {table} USING GIST (geom)")


def views_installed(connection) -> bool:
    """Whether migration spatial 0002 is applied on this (PostgreSQL) database."""
    from django.db.migrations.recorder import MigrationRecorder

    return connection.vendor == "postgresql" and ("spatial", "0002_qgis_views") in \
        MigrationRecorder(connection).applied_migrations()


def before_migrate(sender, using="default", **kwargs) -> None:
    """pre_migrate: drop the views, so that a migration may alter or drop a column they read."""
    from django.db import connections

    if views_installed(connections[using]):
        with connections[using].cursor() as cursor:
            drop_views(cursor)


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate (also after `flush`): create the views again with the current labels."""
    from django.db import connections

    if views_installed(connections[using]):
        with connections[using].cursor() as cursor:
            create_views(cursor)
