# Kaohe: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench install clean

$(BIN)/kaohe: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
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

# The whole suite on SQLite (browser test included), then the database tests on PostgreSQL.
test: install
	$(BIN)/ruff check kaohe tests
	$(BIN)/pytest -m "not bench"
	PYTEST=$(BIN)/pytest scripts/test-postgres

bench: install
	$(BIN)/pytest -m bench --benchmark-only --benchmark-columns=min,mean,max,rounds

clean:
	rm -rf $(VENV) build *.egg-info
