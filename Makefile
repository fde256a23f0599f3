# Kaohe: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench lint install clean

$(BIN)/kaohe: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/kaohe

# Until the web application exists: show the built-in schemes and their check reports.
run: install
	$(BIN)/kaohe scheme list
	@for s in luoyang-2018-county luoyang-2018-municipal; do \
		echo; $(BIN)/kaohe scheme show $$s --depth 2 || exit 1; \
		echo; $(BIN)/kaohe scheme check $$s || exit 1; \
	done

test: install
	$(BIN)/ruff check kaohe tests
	$(BIN)/pytest -m "not bench"

bench: install
	$(BIN)/pytest -m bench --benchmark-only --benchmark-columns=min,mean,max,rounds tests/bench

clean:
	rm -rf $(VENV) build *.egg-info
