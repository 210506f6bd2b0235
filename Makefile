# parkgov: two commands do all set-up — `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= sqlite:///parkgov.db
ENTERPRISES ?= 1500

.PHONY: demo test test-both test-sqlite test-postgres bench messages venv clean

$(STAMP): pyproject.toml package.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）；Debian：apt-get install python3.11-venv，或 make PYTHON=…"; exit 1; }
	@if [ -f package.json ]; then command -v npm >/dev/null 2>&1 || { echo "需要 npm（安装图表与地图的前端库）；Debian：apt-get install npm"; exit 1; }; fi
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
	touch $(STAMP)

venv: $(STAMP)

# The demo runs in development mode: DEBUG on, cookies over plain http, readable log lines instead of JSON
# (production: see the README).
demo: export PARKGOV_DEBUG = 1
demo: export PARKGOV_LOG_FORMAT ?= text
demo: $(STAMP)
	PARKGOV_DATABASE_URL=$(DB) $(BIN)/parkgov init
	# the ledger, then its governance (parkgov/demo/governance.py): evaluations of 2024 and 2025 (the 2025
	# zj-huangyan-2022 run last, as the evaluation page opens on the latest run), reference layers, lists of
	# both years, 四个一批 and cases in every state
	PARKGOV_DATABASE_URL=$(DB) $(BIN)/parkgov demo --enterprises $(ENTERPRISES)
	PARKGOV_DATABASE_URL=$(DB) $(BIN)/parkgov serve --demo-accounts

# Runs the suite on SQLite and on PostgreSQL/PostGIS when PARKGOV_TEST_POSTGRES_URL is set: both passes at once
# (a pass is mostly single-threaded Python, and CI has two cores), each into its own log under test-output/,
# printed when both have ended; fails when either fails. In CI (CI set) a missing PostgreSQL is a failure.
test: $(STAMP)
	@if [ -n "$$PARKGOV_TEST_POSTGRES_URL" ]; then \
	  $(MAKE) --no-print-directory test-both; \
	elif [ -n "$$CI" ]; then \
	  echo "CI 中必须提供 PostgreSQL（PARKGOV_TEST_POSTGRES_URL 未设置）"; exit 1; \
	else \
	  $(MAKE) --no-print-directory test-sqlite && \
	  echo "未设置 PARKGOV_TEST_POSTGRES_URL：跳过 PostgreSQL 轮次（.ci/run 会启动临时集群）"; \
	fi

test-both: $(STAMP)
	@mkdir -p test-output; \
	$(MAKE) --no-print-directory test-sqlite >test-output/test-sqlite.log 2>&1 & sqlite=$$!; \
	$(MAKE) --no-print-directory test-postgres >test-output/test-postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; sqlite_rc=$$?; wait $$postgres; postgres_rc=$$?; \
	echo "===== SQLite pass (exit $$sqlite_rc)"; cat test-output/test-sqlite.log; \
	echo "===== PostgreSQL pass (exit $$postgres_rc)"; cat test-output/test-postgres.log; \
	echo "===== 失败汇总 (SQLite exit $$sqlite_rc, PostgreSQL exit $$postgres_rc)"; \
	grep -h -E "^(FAILED|ERROR) " test-output/test-sqlite.log | sed 's/^/SQLite: /'; \
	grep -h -E "^(FAILED|ERROR) " test-output/test-postgres.log | sed 's/^/PostgreSQL: /'; \
	test $$sqlite_rc -eq 0 && test $$postgres_rc -eq 0

# Jobs run inline in tests (the real worker is exercised by tests/test_jobs.py).
test test-both test-sqlite test-postgres: export PARKGOV_TASK_BACKEND ?= django_tasks.backends.immediate.ImmediateBackend

# The test database is a file, as in production: the browser tests' live server thread then has its own
# connection instead of sharing the test thread's in-memory one (a shared connection let one thread's open
# transaction break the other's, seen once in CI).
test-sqlite: $(STAMP)
	@mkdir -p build
	PARKGOV_DATABASE_URL=sqlite:///test-parkgov.db PARKGOV_TEST_SQLITE=build/test-sqlite.db \
	  $(BIN)/python -m pytest -m "not postgis" -p no:cacheprovider --durations=25

test-postgres: $(STAMP)
	PARKGOV_DATABASE_URL=$$PARKGOV_TEST_POSTGRES_URL $(BIN)/python -m pytest -p no:cacheprovider --durations=25

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# English catalogue: collect the Chinese msgids into parkgov/locale/en/…/django.po, compile django.mo (needs
# gettext). Translate new entries in the .po, run it again, commit both files (tests/test_i18n.py checks them).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --no-obsolete --add-location=file --ignore=.venv \
	  --ignore=node_modules --ignore=build --ignore=tests --ignore=bench --ignore=test-output --ignore=docs
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) build test-output parkgov.db parkgov.db-wal parkgov.db-shm
