"""`python -m django jobs_worker`: django-tasks-db's `db_worker` with a heartbeat (issue 18 §2): the process says every
few seconds that it lives, and marks 中断 the jobs of workers that stopped saying so. On SIGTERM/SIGINT db_worker
finishes the job it is running and exits; the heartbeat row is then removed (a stopped worker is not a dead one)."""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from parkgov.jobs.heartbeat import Heartbeat


class Command(DbWorkerCommand):
    help = "运行后台任务进程（带心跳；停止时完成当前任务后退出）"

    def handle(self, *args, **options):
        heartbeat = Heartbeat(options["worker_id"]).start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
