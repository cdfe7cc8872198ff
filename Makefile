# Two entry points, both safe on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs Tarjotin and starts it (terminal chat on the demo catalogue)
#   make test   creates .venv, installs Tarjotin with its test tools and runs every check
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lock clean messages

run: $(STAMP)
	$(BIN)/tarjotin run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

# Dependencies only from the hashed lock (any file whose sha256 is not listed is refused), then
# Tarjotin itself, editable, without resolving anything again; pip check proves the lock complete.
$(STAMP): pyproject.toml setup.py requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Re-pin every dependency after changing pyproject.toml: resolves the newest allowed versions in
# a throw-away environment, then writes requirements.lock with every file's sha256.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade pip
	.lockenv/bin/python -m pip install --quiet -e '.[dev]'
	.lockenv/bin/python -m pip freeze --exclude-editable | grep -v '^tarjotin' > .lockenv/pins.txt
	.lockenv/bin/python -m tools.hashlock .lockenv/pins.txt > .lockenv/requirements.lock
	mv .lockenv/requirements.lock requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) data

# Re-extract translatable strings and merge them into every language's catalog.
messages: $(STAMP)
	$(BIN)/python locales/update_catalogs.py
