"""list_inputs from the ledger on SQLite and PostgreSQL: one frame per table, the chosen evaluation run, earlier
classes, geometry and reference layers; input_hash stable across loads and moved by a change; the built-in rules
generate from these frames."""

import json

import pytest
import shapely

from parkgov.errors import InputError, NotFound
from parkgov.evaluation.models import EvaluationResult
from parkgov.evaluation.services import run_evaluation
from parkgov.governance.engine import generate
from parkgov.governance.inputs import input_hash, list_inputs
from parkgov.governance.listrules import builtin_rules
from parkgov.governance.models import ReferenceFeature, ReferenceLayer
from parkgov.ledger.models import Enterprise, Parcel
from parkgov.testing import evaluated_ledger_with_geometry, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, actor):
    evaluated_ledger_with_geometry(folder=tmp_path, actor=actor)
    layer = ReferenceLayer.objects.create(code="river", name="剡溪", kind="river", source="测试")
    line = shapely.LineString([(120.795, 29.59), (120.795, 29.62)])  # about 480 m west of SZ-0001
    ReferenceFeature.objects.create(layer=layer, name="剡溪", geometry=shapely.to_wkb(line),
                                    min_x=120.795, min_y=29.59, max_x=120.795, max_y=29.62)


def test_frames_come_from_the_ledger(ledger, actor):
    inputs = list_inputs(year=2025)
    a = Enterprise.objects.get(credit_code=uscc(1))
    assert inputs.firms.height == 3 and inputs.parcels.height == 3
    assert set(inputs.figures.get_column("year").to_list()) == {2024, 2025}
    assert inputs.evaluation_run_id is not None and inputs.evaluation.height == 3
    row = inputs.evaluation.filter(enterprise_id=a.pk).row(0, named=True)
    result = EvaluationResult.objects.get(run_id=inputs.evaluation_run_id, enterprise=a)
    assert row["klass"] == result.class_final
    assert row["tax_per_mu"] == pytest.approx(result.indicators["tax_per_mu"]["value"])
    drawn = inputs.parcels.filter(parcel_code="SZ-0001").get_column("geometry")[0]
    assert shapely.from_wkb(drawn).equals(shapely.box(120.80, 29.60, 120.802, 29.602))
    assert inputs.parcels.filter(parcel_code="SZ-0003").get_column("geometry")[0] is None
    assert inputs.references.get_column("kind").to_list() == ["river"]
    assert inputs.findings.height == 2 and inputs.links.height == 3
    assert list_inputs(year=2025, zone_ids=[a.zone_id]).parcels.get_column("parcel_code").sort().to_list() == \
        ["SZ-0001", "SZ-0003"]


def test_earlier_classes_and_a_chosen_run(ledger, actor):
    earlier = run_evaluation(year=2024, ruleset_id="zj-huangyan-2022", actor=actor)
    inputs = list_inputs(year=2025)
    assert set(inputs.class_history.get_column("year").to_list()) == {2024}
    chosen = list_inputs(year=2024, evaluation_run_id=earlier.pk)
    assert chosen.evaluation_run_id == earlier.pk
    with pytest.raises(InputError, match="是 2024 年的"):
        list_inputs(year=2025, evaluation_run_id=earlier.pk)
    with pytest.raises(NotFound):
        list_inputs(year=2025, evaluation_run_id=earlier.pk + 999)
    assert list_inputs(year=2023).evaluation_run_id is None


def test_input_hash_is_stable_and_moves_with_the_ledger(ledger):
    first = input_hash(list_inputs(year=2025))
    assert input_hash(list_inputs(year=2025)) == first
    Parcel.objects.filter(code="SZ-0003").update(building_year=1990)
    assert input_hash(list_inputs(year=2025)) != first


def test_builtin_rules_generate_from_the_ledger(ledger):
    Enterprise.objects.filter(credit_code=uscc(1)).update(industry_code="2614")  # chemical, on SZ-0001
    inputs = list_inputs(year=2025)
    lists = {rule_id: generate(inputs, rule) for rule_id, rule in builtin_rules().items()}
    assert all(frame.columns == ["subject_key", "enterprise_id", "parcel_id", "zone_id", "category", "reasons",
                                 "values"] for frame in lists.values())
    assert "SZ-0003" in lists["collective-industrial-land"].get_column("subject_key").to_list()
    riverside = lists["riverside-chemical"].row(0, named=True)
    assert lists["riverside-chemical"].height == 1 and riverside["subject_key"] == uscc(1)
    assert json.loads(riverside["values"])["distance_m:river"] == pytest.approx(484, abs=5)
    assert riverside["parcel_id"] == Parcel.objects.get(code="SZ-0001").pk
