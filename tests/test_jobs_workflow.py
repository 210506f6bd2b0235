"""Issue 18 §2: a job's states and transitions are data (jobs/data/job_states.yaml): the shipped table loads and
agrees with the model, a bad table is refused naming the problem, steps not allowed from a job's state are refused
with a clear message, every step is recorded, and the job's owner alone cancels it (web page and API). The worker
side (a running import stopped at its next step, a kill -9) is in tests/test_job_crash.py."""

import json
from datetime import timedelta

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.utils import timezone

from parkgov.accounts.models import Profile
from parkgov.errors import ConfigError, NotFound
from parkgov.jobs import tasks
from parkgov.jobs.heartbeat import beat, interrupt_orphans
from parkgov.jobs.models import FINISHED, Job, JobEvent, JobStatus, WorkerHeartbeat
from parkgov.jobs.services import cancel_job, report, retry_job
from parkgov.jobs.workflow import LABELS, STATES_FILE, StepRefused, job_workflow, load_job_workflow, move
from parkgov.ledger.models import Enterprise
from parkgov.testing import small_ledger_sheets, write_workbook


def test_the_shipped_table_agrees_with_the_model_and_the_catalogue():
    workflow = job_workflow()
    assert sorted(s.code for s in workflow.states) == sorted(JobStatus.values)
    assert sorted(s.code for s in workflow.states if s.final) == sorted(FINISHED)
    assert {s.code: s.label for s in workflow.states} == {c.value: str(c.label) for c in JobStatus}
    for text in [workflow.name, *(t.label for t in workflow.transitions), *(s.label for s in workflow.states)]:
        assert text in LABELS or text in {str(c.label) for c in JobStatus}, text
    assert workflow.source.citation and workflow.verified is False
    assert [t.action for t in workflow.allowed(state="running", by="owner")] == ["request_cancel"]
    assert [t.action for t in workflow.allowed(state="done", by="owner")] == []


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["transitions"].append({"action": "skip", "label": "跳过", "from": ["queued"], "to": "nowhere",
                                        "by": ["worker"]}), "未知状态 'nowhere'"),
    (lambda d: d["transitions"][0].update(by=["anyone"]), "transitions[0].by[0]"),
    (lambda d: d["states"].pop(), "状态应与任务状态代码一致"),
    (lambda d: d["transitions"].append(dict(d["transitions"][0])), "操作代码重复"),
])
def test_a_bad_table_is_refused_naming_the_problem(tmp_path, change, problem):
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "job_states.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_job_workflow(path)
    assert "任务状态表 job_states.yaml" in str(caught.value) and problem in str(caught.value)


@pytest.fixture
def people(db):
    User = get_user_model()
    owner = User.objects.create_user("owner", password="pw-12345678")
    other = User.objects.create_user("other", password="pw-12345678")
    for user in (owner, other):
        Profile.objects.create(user=user, role="admin")
    return owner, other


def _job(owner, status=JobStatus.QUEUED, **fields):
    return Job.objects.create(**{"kind": "topology", "title": "拓扑检查", "params": {"zone": ""}, "created_by": owner,
                                 "status": status, **fields})


def test_steps_are_made_only_from_their_states_and_each_is_recorded(people):
    owner, _ = people
    job = _job(owner)
    assert move(job.pk, "finish", by="worker") is False  # queued → done is not a step
    with pytest.raises(StepRefused):
        move(job.pk, "start", by="owner")  # only the worker starts a job
    assert move(job.pk, "start", by="worker") and move(job.pk, "finish", by="worker", message="检查完成")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.finished_at is not None and job.message == "检查完成"
    assert [(e.action, e.from_state, e.to_state, e.by) for e in job.events.all()] == [
        ("start", "queued", "running", "worker"), ("finish", "running", "done", "worker")]
    assert move(job.pk, "interrupt", by="monitor") is False  # a finished job stays finished


def test_owner_cancels_a_queued_job_at_once_and_the_worker_then_leaves_it(people, tmp_path, settings):
    owner, other = people
    job = _job(owner, kind="import", params={"path": str(write_workbook(tmp_path / "a.xlsx", small_ledger_sheets())),
                                             "name": "a.xlsx", "department": "economy"})
    with pytest.raises(NotFound):
        cancel_job(job=job, user=other)
    assert cancel_job(job=job, user=owner).status == JobStatus.CANCELLED
    tasks.import_task.func(str(job.pk))  # the worker picks it up later: it is not run
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.message == "已取消，任务未运行"
    assert Enterprise.objects.count() == 0
    assert [(e.action, e.by, e.actor) for e in job.events.all()] == [("cancel", "owner", owner)]
    with pytest.raises(StepRefused) as caught:
        cancel_job(job=job, user=owner)
    assert str(caught.value) == "任务“拓扑检查”的状态为已取消，只有排队中、进行中的任务可以取消"


def test_a_running_job_asked_to_cancel_stops_at_its_next_report(people, settings, tmp_path):
    owner, _ = people
    settings.PARKGOV_MEDIA_ROOT = str(tmp_path)
    job = _job(owner, status=JobStatus.RUNNING, worker_id="w1")
    assert cancel_job(job=job, user=owner).status == JobStatus.CANCELLING
    assert (tmp_path / "jobs" / str(job.pk) / ".cancel-requested").exists()
    from parkgov.jobs.services import JobCancelled

    with pytest.raises(JobCancelled):
        report(job.pk, progress=50, message="写入")
    report(job.pk, status=JobStatus.CANCELLED, message="已取消")
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished
    assert [e.action for e in job.events.all()] == ["request_cancel", "stop_cancelled"]


def test_a_job_whose_worker_died_while_cancelling_is_interrupted(people):
    owner, _ = people
    beat("w-dead")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    job = _job(owner, status=JobStatus.CANCELLING, worker_id="w-dead")
    assert interrupt_orphans() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED
    assert [(e.action, e.by) for e in job.events.all()] == [("interrupt", "monitor")]


def test_cancel_and_retry_on_the_job_page(people, client, settings, tmp_path):
    owner, other = people
    settings.PARKGOV_MEDIA_ROOT = str(tmp_path)
    job = _job(owner)
    client.force_login(other)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    client.force_login(owner)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-cancel"' in page and 'id="job-retry"' not in page
    page = client.post(f"/jobs/{job.pk}/cancel/", follow=True).content.decode()
    assert "已取消" in page and 'id="job-retry"' in page and 'id="job-cancel"' not in page
    assert 'id="job-events"' in page and "取消" in page and "owner" in page  # who did it
    page = client.post(f"/jobs/{job.pk}/cancel/", follow=True).content.decode()
    assert "只有排队中、进行中的任务可以取消" in page  # refused with the reason
    assert JobEvent.objects.filter(job=job).count() == 1


def test_cancel_and_retry_through_the_api(people, client, tmp_path, settings, django_capture_on_commit_callbacks):
    from parkgov.accounts.services import issue_api_token

    owner, other = people
    settings.PARKGOV_MEDIA_ROOT = str(tmp_path)
    job = _job(owner)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=other)}"}
    assert client.post(f"/api/jobs/{job.pk}/cancel", **headers).status_code == 404
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=owner)}"}
    response = client.post(f"/api/jobs/{job.pk}/cancel", **headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled" and response.json()["finished"]
    response = client.post(f"/api/jobs/{job.pk}/cancel", **headers)
    assert response.status_code == 422 and "只有排队中、进行中的任务可以取消" in json.dumps(response.json(),
                                                                                   ensure_ascii=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/jobs/{job.pk}/retry", **headers)
    assert response.status_code == 202, response.content
    again = Job.objects.get(pk=response.json()["id"])
    assert response["Location"] == f"/api/jobs/{again.pk}" and again.params == job.params
    assert again.status == JobStatus.DONE, again.message  # the tests' inline backend ran it
    assert [e.action for e in job.events.all()] == ["cancel", "retry"]
    response = client.post(f"/api/jobs/{again.pk}/retry", **headers)
    assert response.status_code == 422 and "只有中断、失败、已取消的任务可以重新运行" in response.json()["error"]["message"]
