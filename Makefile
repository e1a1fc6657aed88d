# yigong-erp: `make run` serves the demo on SQLite; `make test` runs the tests
# (on PostgreSQL when ERP_TEST_DATABASE_URL is set).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install fonts translations bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

fonts:
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || { \
	  echo "NOTE: the Chinese PDF font is missing; install it with: sudo apt-get install fonts-noto-cjk libharfbuzz-subset0"; }

run: $(STAMP) fonts
	$(BIN)/erp init-db
	$(BIN)/erp load-demo
	$(BIN)/erp serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

bench: $(STAMP)
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) instance .pytest_cache
