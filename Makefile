# Kaohe: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench install clean hardening messages

$(BIN)/kaohe: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(BIN)/kaohe

# Installs, creates the SQLite database (var/kaohe.sqlite3), loads the 2018 defaults, the demo
# accounts and a cycle open for scoring, then serves on http://127.0.0.1:8000.
run: install
	$(BIN)/kaohe migrate --verbosity 0
	$(BIN)/kaohe demo
	@echo
	@echo "Kaohe 已启动：http://127.0.0.1:8000/  （Ctrl+C 停止）"
	$(BIN)/kaohe runserver 127.0.0.1:8000

# Lint and type checks, the whole suite on SQLite (browser test included), then the database tests
# on PostgreSQL.
test: install
	$(BIN)/ruff check kaohe tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -m "not bench"
	PYTEST=$(BIN)/pytest scripts/test-postgres

# The benchmarks (benchmarks/, not part of the package: `python -m benchmarks run`), written to
# BENCHMARKS.md: the quick size on SQLite and PostgreSQL (KAOHE_BENCH_POSTGRES_URL, else a throwaway
# cluster when the server programs are here); `make bench FULL=1` (or `make bench-full`) at the full
# sizes: 12 million scores on PostgreSQL. ONLY="results api" runs only those sections. The `bench`
# extra (DuckDB, the floor the results are measured against) is installed with the rest, so that
# `make test` runs the floor too, at a tiny size.
bench: install
	$(BIN)/python -m benchmarks run $(if $(FULL),--full,--quick) $(if $(ONLY),--only $(ONLY)) --output BENCHMARKS.md

.PHONY: bench-full
bench-full:
	$(MAKE) bench FULL=1

# Hostile input at full strength (issue 7): every reader fuzzed with FUZZ_EXAMPLES cases (a fresh
# random seed each run), uploads through the pages, schemathesis against every API operation, then
# the permission matrix and the escaping tests. Prints the cases, seconds and CPU seconds per reader
# at the end ($(FUZZ_REPORT); $(FUZZ_REPORT).progress shows the count every 5,000 cases while it
# runs). The two workbook readers cost most: openpyxl takes some 25-40 ms to open even a small
# workbook, so 100,000 cases of each take about an hour of CPU (RELIABILITY.md has the figures).
FUZZ_EXAMPLES ?= 100000
UPLOAD_FUZZ_EXAMPLES ?= 2000
API_FUZZ_EXAMPLES ?= 1000
FUZZ_REPORT ?= var/fuzz-report.txt
hardening: install
	@mkdir -p $(dir $(FUZZ_REPORT)); rm -f $(FUZZ_REPORT) $(FUZZ_REPORT).progress
	KAOHE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) KAOHE_FUZZ_RANDOM=1 KAOHE_FUZZ_REPORT=$(FUZZ_REPORT) \
	  $(BIN)/pytest tests/formats/test_fuzz_readers.py; status=$$?; \
	KAOHE_FUZZ_UPLOAD_EXAMPLES=$(UPLOAD_FUZZ_EXAMPLES) KAOHE_API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) KAOHE_FUZZ_RANDOM=1 \
	  $(BIN)/pytest --hypothesis-show-statistics tests/web/test_fuzz_uploads.py tests/web/api/test_api_fuzz.py \
	  tests/web/test_permission_matrix.py tests/web/test_escaping.py || status=1; \
	echo; echo "reader cases seconds cpu-seconds (cases per reader; API: $(API_FUZZ_EXAMPLES) per operation and role)"; \
	cat $(FUZZ_REPORT); exit $$status

# After changing a translatable string: refresh the English catalogue (entries without source
# locations, so that parallel branches add entries without touching each other's lines), translate
# the new entries in kaohe/locale/en/LC_MESSAGES/django.po, then run this again to compile it. It lists
# the entries still to translate (empty, or "fuzzy": a guess from a similar string, not compiled), and
# drops the POT-Creation-Date line, which every run changed and every parallel branch conflicted on.
# The scripts' messages (gettext() in kaohe/web/static/kaohe/*.js) go to djangojs.po beside it.
messages: install
	$(BIN)/kaohe makemessages -l en --no-location --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "var/*" --ignore "benchmarks/*"
	$(BIN)/kaohe makemessages -d djangojs -l en --no-location --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "var/*" --ignore "benchmarks/*" --ignore "kaohe/web/static/vendor/*" --ignore "build/*"
	sed -i '/^"POT-Creation-Date: /d' kaohe/locale/en/LC_MESSAGES/django.po kaohe/locale/en/LC_MESSAGES/djangojs.po
	cd kaohe && ../$(BIN)/kaohe compilemessages
	@for po in kaohe/locale/en/LC_MESSAGES/*.po; do \
	  left=$$( (msgattrib --untranslated --no-wrap $$po; msgattrib --only-fuzzy --no-wrap $$po) | grep '^msgid "[^"]'); \
	  if [ -n "$$left" ]; then echo "Still to translate (empty or fuzzy, shown in Chinese on English pages) in $$po:"; echo "$$left"; fi; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
