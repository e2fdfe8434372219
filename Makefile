# The two commands of the quick start (`make run`, `make test`) do all the set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# No upgrade of pip and no byte-compiling of every dependency at install (Python compiles what it imports):
# half the time of a first `make run`. The build's UserWarnings (setuptools on editable installs) are noise here.
PIP_INSTALL := PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
NOTEBOOK_STAMP := $(VENV)/.installed-notebook
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test test-deep bench trust screenshots readme install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What running needs, and no more: a first `make run` does not wait for the test tools.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

# The test extras hold everything running needs too, so `make run` after `make test` installs nothing.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[test]'
	touch $(RUN_STAMP) $@

# The bench drives a drill in a pty (pexpect): the `bench` extras, on top of what running needs.
$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[bench]'
	touch $(RUN_STAMP) $@

install: $(RUN_STAMP)

# A learner with no history, or one on the path, starts `handgrad learn`; anyone else a drill.
# Ctrl-C ends a drill with its summary and exit 130, the way out rather than a failure: the shell waits
# through the Ctrl-C (`trap :`, which the drill does not inherit) and hands make a 0, so make ends
# quietly instead of adding its own "Error 130" line.
run: $(RUN_STAMP)
	@trap : INT; $(BIN)/handgrad start || { status=$$?; [ $$status -eq 130 ] || exit $$status; }

# The derandomized `ci` profile of hypothesis: the same examples every run, about two minutes here.
test: $(TEST_STAMP)
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest

# A Jupyter kernel for the deep run, which executes a generated notebook in it.
$(NOTEBOOK_STAMP): pyproject.toml $(TEST_STAMP)
	$(PIP_INSTALL) -e '.[test,notebook]'
	touch $@

# Fresh and many more examples each run: slower, for before a release or after touching a kind or the engine.
test-deep: $(NOTEBOOK_STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest

bench: $(BENCH_STAMP)
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/classroom.py

# Grading's trust figures over many sound problems of every kind (slips accepted, shown values rejected): slow.
trust: $(RUN_STAMP)
	$(BIN)/python bench/trust.py

# The README's pictures (docs/*.svg), from real runs at 80 columns.
screenshots: $(RUN_STAMP)
	$(BIN)/python scripts/screenshots.py

# The README's catalogue of kinds, written from the registry (a test says when it is out of date).
readme: $(RUN_STAMP)
	$(BIN)/python scripts/readme_kinds.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
