# yigong-erp: `make run` serves the demo on SQLite (`make run PORT=5001` for another port); `make test` runs
# the tests (on PostgreSQL when ERP_TEST_DATABASE_URL is set). Both install what is missing first.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install system-packages translations bench clean

$(STAMP): pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# the Chinese PDF font, HarfBuzz's subsetter and pdftotext (apt-get as root or with `sudo -n`, else it stops
# and prints the command)
system-packages:
	@PYTHON=$(PYTHON) .ci/system-packages

run: system-packages $(STAMP)
	$(BIN)/python -c "from erp.core.config import create_secret_key_file; create_secret_key_file()"
	$(BIN)/erp init-db
	$(BIN)/erp load-demo
	$(BIN)/erp serve --host 127.0.0.1 --port $(PORT)

test: system-packages $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

bench: $(STAMP)
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) instance .pytest_cache
