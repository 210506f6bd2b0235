"""gunicorn's own lines (starting, booting a worker, a worker timing out) in parkgov's log format on stdout, so
that `parkgov serve` writes one format only (issue 18 §5). gunicorn's access log stays off: parkgov's request
line (`parkgov.web.request_log`) is the access log, without the query string that gunicorn's would carry."""

import os
import sys

from gunicorn.glogging import Logger as GunicornLogger

from parkgov.logs import JsonFormatter, TextFormatter


class Logger(GunicornLogger):
    def setup(self, cfg):
        super().setup(cfg)
        formatter = TextFormatter() if os.environ.get("PARKGOV_LOG_FORMAT", "json").strip().lower() == "text" \
            else JsonFormatter()
        for handler in self.error_log.handlers:
            if getattr(handler, "_gunicorn", False) and cfg.errorlog == "-":
                handler.setStream(sys.stdout)
                handler.setFormatter(formatter)
