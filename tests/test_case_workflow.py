"""Issue 14 §4: the case workflow is data — checked when loaded (errors name the file and the YAML path) and
documented from the YAML (docs/governance/case-workflow.md)."""

import re
from pathlib import Path

import pytest
import yaml

from parkgov.governance.workflow import (
    LABELS, WORKFLOW_DIR, WorkflowError, builtin_workflow_ids, get_workflow, load_workflow_file, steps_markdown,
    transition_table_markdown,
)

ROOT = Path(__file__).resolve().parent.parent
BASE = yaml.safe_load((WORKFLOW_DIR / "case.yaml").read_text(encoding="utf-8"))


def write(folder, name, data):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def changed(**edits):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for path, value in edits.items():
        target = data
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return data


def test_shipped_workflows_load_with_their_sources():
    assert builtin_workflow_ids() == ["case", "chemical_restoration"]
    case = get_workflow("case")
    assert [t.action for t in case.transitions] == ["dispatch", "accept", "submit", "close", "return", "extend"]
    assert [s.code for s in case.states] == ["to_dispatch", "dispatched", "rectifying", "to_verify", "closed"]
    template = get_workflow("chemical_restoration")
    assert len(template.steps) == 7 and template.transitions == case.transitions
    assert "changzhou-2024" in template.source.citation and not template.verified


@pytest.mark.parametrize("edits,where,what", [
    ({"transitions.0.to": "limbo"}, "transitions[0].to", "未知状态 'limbo'"),
    ({"transitions.1.from": ["nowhere"]}, "transitions[1].from[0]", "未知状态 'nowhere'"),
    ({"transitions.0.by": [{"roles": ["mayor"]}]}, "transitions[0].by[0].roles", "未知角色 'mayor'"),
    ({"transitions.2.requires": ["miracle"]}, "transitions[2].requires[0]", "取值无效"),
    ({"states.0.code": "lost"}, "states[0].code", "未知状态 'lost'"),
    ({"states.1.label": "派了"}, "states[1].label", "应为 已派"),
    ({"transitions.5.action": "dispatch"}, "transitions[5].action", "重复"),
    ({"transitions.3.from": ["closed"]}, "transitions[3].from[0]", "终态 closed"),
    ({"transitions.0.colour": "red"}, "transitions[0].colour", "未知字段"),
])
def test_a_bad_table_is_refused_naming_the_file_and_the_yaml_path(tmp_path, edits, where, what):
    path = write(tmp_path, "case", changed(**edits))
    with pytest.raises(WorkflowError) as caught:
        load_workflow_file(path)
    message = str(caught.value)
    assert "case.yaml" in message and where in message and what in message, message


def test_a_bad_template_is_refused_naming_the_step(tmp_path):
    write(tmp_path, "case", BASE)
    template = yaml.safe_load((WORKFLOW_DIR / "chemical_restoration.yaml").read_text(encoding="utf-8"))
    template["steps"][0]["department"] = "finance"
    template["steps"][1]["after"] = ["funds"]
    template["step_states"] = ["limbo"]
    path = write(tmp_path, "restoration", template)
    with pytest.raises(WorkflowError) as caught:
        load_workflow_file(path)
    message = str(caught.value)
    assert "restoration.yaml" in message and "steps[0].department: 未知部门 'finance'" in message
    assert "steps[1].after[0]" in message
    template["steps"][0]["department"] = "emergency"
    template["steps"][1]["after"] = []
    with pytest.raises(WorkflowError, match=r"step_states\[0\]: 未知状态 'limbo'"):
        load_workflow_file(write(tmp_path, "restoration", template))
    template.update(step_states=["rectifying"], extends="missing")
    with pytest.raises(WorkflowError, match="missing.yaml"):
        load_workflow_file(write(tmp_path, "restoration", template))


def test_every_workflow_label_is_marked_for_the_catalogue():
    found = set()
    for path in WORKFLOW_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.add(data["name"])
        found |= {t["label"] for t in data.get("transitions", [])} | {s["name"] for s in data.get("steps", [])}
        for key in ("open", "signoff"):
            if key in data:
                found.add(data[key]["label"])
    assert found - set(LABELS) == set()


def test_the_documented_tables_are_the_yaml():
    page = (ROOT / "docs" / "governance" / "case-workflow.md").read_text(encoding="utf-8")
    assert transition_table_markdown(get_workflow("case")) in page
    assert steps_markdown(get_workflow("chemical_restoration")) in page
    for state in get_workflow("case").states:
        assert re.search(rf"{state.label} \(`{state.code}`", page), state.code
