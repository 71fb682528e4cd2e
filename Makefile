# 巾帼数字工坊 Jinguo — two commands:  make demo  (install, seed, start)  ·  make test  (install, run all tests)
# Debian's python3 is preferred: workers' accounts must be able to run the venv's interpreter.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
TEST_JOBS ?= 3  # pytest-xdist processes; tests/conftest.py groups the tests (a file, or all users of one shared hub)

.PHONY: demo test install system

demo: install
	$(BIN)/jinguo demo
	$(BIN)/jinguo serve

test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadgroup $(PYTEST_ARGS) || [ $$? -eq 5 ]

install: system $(VENV)/.installed

system:
	@bash deploy/install-system.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/python -c "from hub.jupyterhub.config import install_lab_settings; install_lab_settings()"
	touch $@
