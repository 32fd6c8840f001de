# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
FLASK := $(VENV)/bin/flask --app tracker

.PHONY: install run test db bench lint bundle loadtest

# make run PORT=8080: the port of the web server (the reminder scheduler runs beside it)
PORT ?= 5000

# make bench N=1000000: the size of the generated database (bench/gen.py; generated once, then reused)
N ?= 20000

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

db: install
	$(FLASK) db upgrade

run: db
	@if [ ! -f instance/.demo-loaded ]; then \
	  $(FLASK) demo-data | tee instance/demo-logins.txt && touch instance/.demo-loaded; \
	else echo "示例账号见 instance/demo-logins.txt"; cat instance/demo-logins.txt; fi
	PORT=$(PORT) scripts/run.sh

test: install
	scripts/test.sh

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; BENCH_N=$(N) $(VENV)/bin/python $$b; done

# the load test: gunicorn on PostgreSQL at N requests, wrk with 20 connections (docs/benchmarks.md)
loadtest: install
	BENCH_N=$(N) scripts/loadtest.sh

# one offline bundle: the app, every wheel, the vendored assets, install.sh (dist/tracker-bundle-*.tar.gz)
bundle: install
	scripts/bundle.sh

lint: install
	$(VENV)/bin/ruff check tracker tests bench config.py
	$(VENV)/bin/ruff format --check tracker tests bench config.py
