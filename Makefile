# caredesk: `make run` starts the whole system, `make test` runs the whole suite (see README).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa Open Source 3.6's range) for the Rasa server and the action server, 3.12 for
# the back office: pyenv's 3.10.13 and 3.12.1 where they exist, else python3.10 and python3.12.
PYTHON310 ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python3.10"; \
	if [ -x "$$p" ]; then echo "$$p"; else command -v python3.10 2>/dev/null; fi)
PYTHON312 ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.12.1/bin/python3.12"; \
	if [ -x "$$p" ]; then echo "$$p"; else command -v python3.12 2>/dev/null; fi)
# Each process installs from its own pins (requirements/README.md). The development venvs:
# .venv = Rasa server + action server + tools (3.10), .venv-backoffice = back office + tools.
VENV := .venv
PY := $(VENV)/bin/python
BO_VENV := .venv-backoffice
BO_PY := $(BO_VENV)/bin/python
RASA_REQUIREMENTS := requirements/rasa.txt requirements/actions.txt requirements/dev.txt
BO_REQUIREMENTS := requirements/backoffice.txt requirements/backoffice-dev.txt
RASA := $(VENV)/bin/rasa
MODEL := models/caredesk.tar.gz
# The learned person-request detector trains on backoffice/config/person_requests/ too.
MODEL_INPUTS := config.yml $(shell find domain data components caredesk_rules backoffice/config/person_requests -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help venv venvs setup install-check train run run-production nginx demo test test-fast lint format validate test-stories pytest bench clean browser widget

# The website chat widget and the dashboard's charts: built from web/ with esbuild (npm ci from
# the lock file), served by the back office at /widget/caredesk-widget.js and
# /dashboard/static/dist/chart.js. Needs Node.js 20 and npm.
WIDGET := backoffice/web/widget/dist/caredesk-widget.js
DASHBOARD_CHARTS := backoffice/web/dashboard/dist/chart.js
WEB_BUILD := $(WIDGET) $(DASHBOARD_CHARTS)
WIDGET_SOURCES := web/build.mjs $(shell find web/widget web/dashboard -type f 2>/dev/null)

help:
	@echo "make run    - set up (venv, pinned packages, model) and start the whole system"
	@echo "make run-production - the production topology: nginx, 2 Rasa replicas, 2 action servers, back office on PostgreSQL/Redis/RabbitMQ, supervised"
	@echo "make test   - set up the same way and run the whole test suite"
	@echo "make test-fast - unit and component tests only, the API on SQLite (daily work)"
	@echo "make demo   - a demo database with 30 days of traffic, and the back office on it (the dashboard)"
	@echo "make bench  - print the measurements (NLU accuracy and latency, load beside the stock bot, ...)"
	@echo "make widget - build the website chat widget and the dashboard's charts (needs Node.js 20 and npm)"

# Installing: uv (requirements/uv.txt, installed by pip from PyPI into var/uv) creates the venvs
# and installs the same exact pins as pip did, downloading and unpacking in parallel (the Rasa
# venv's packages: 25 s against pip's 3 min here, before bytecode). Every pin, setuptools and
# wheel included, is in the .txt files, so they are installed as listed without resolving
# (--no-deps), and `pip check` proves the set complete; pip itself comes from
# requirements/venv.txt (`uv venv` seeds none). Bytecode is compiled at install time as pip
# does. uv reads no pip configuration: it installs from PyPI (or UV_INDEX_URL). The three source
# distributions among the pins build with requirements/build.txt's setuptools and wheel.
# `make INSTALLER=pip ...` installs with pip.
INSTALLER ?= uv
UV_DIR := var/uv
UV := $(UV_DIR)/bin/uv

$(UV_DIR)/.installed: requirements/uv.txt
	rm -rf $(UV_DIR)
	$(or $(PYTHON312),$(PYTHON310),python3) -m pip install --quiet --no-input \
		--root-user-action=ignore --target $(UV_DIR) -r requirements/uv.txt
	touch $@

INSTALLER_DEP := $(if $(filter uv,$(INSTALLER)),$(UV_DIR)/.installed)

# $(call install_venv,VENV,PYTHON,REQUIREMENTS): a new venv with the exact pins, by $(INSTALLER).
install_venv = $(if $(filter uv,$(INSTALLER)),\
	$(UV) venv --quiet --python $(2) $(1) && \
	$(UV) pip install --quiet --python $(1)/bin/python --no-deps --compile-bytecode \
		--build-constraints requirements/build.txt -r requirements/venv.txt \
		$(addprefix -r ,$(3)),\
	$(2) -m venv $(1) && \
	$(1)/bin/python -m pip install --quiet --no-input $(addprefix -r ,$(3)))

# $(call make_venv,VENV,PYTHON,VERSION,PYENV_VERSION,REQUIREMENTS): a fresh venv from the pins.
define make_venv
	@if [ -z "$(2)" ]; then \
		echo "error: Python $(3) not found: install it with pyenv ($(4)) or put python$(3) on PATH" >&2; \
		exit 1; fi
	@echo "creating $(1) with $(2) ($(INSTALLER))"
	rm -rf $(1)
	$(call install_venv,$(1),$(2),$(5))
	$(1)/bin/python -m pip check
	touch $(1)/.installed
endef

$(VENV)/.installed: $(RASA_REQUIREMENTS) | $(INSTALLER_DEP)
	$(call make_venv,$(VENV),$(PYTHON310),3.10,3.10.13,$(RASA_REQUIREMENTS))

$(BO_VENV)/.installed: $(BO_REQUIREMENTS) | $(INSTALLER_DEP)
	$(call make_venv,$(BO_VENV),$(PYTHON312),3.12,3.12.1,$(BO_REQUIREMENTS))

venv: $(VENV)/.installed
venvs: $(VENV)/.installed $(BO_VENV)/.installed

# Each process installed alone in a fresh venv from its own pins, then started alone
# (scripts/install_check.py): minutes per process even with pip's cache, so not in `make test`.
install-check: $(VENV)/.installed $(MODEL)
	$(PY) -m scripts.install_check backoffice actions rasa

# Rasa's own validation before training is skipped (half a minute of loading the data twice):
# `make validate` runs it with --fail-on-warnings, and `make test` runs that.
$(MODEL): $(VENV)/.installed $(MODEL_INPUTS)
	$(RASA) train --skip-validation --domain domain --fixed-model-name caredesk --out models

train: $(MODEL)

.env:
	$(PY) -m scripts.envfile .env

web/node_modules/.installed: web/package-lock.json web/package.json
	@command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || { \
		echo "error: npm not found: install Node.js 20 and npm (https://nodejs.org, or apt-get install nodejs npm) to build the chat widget" >&2; \
		exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# One run of build.mjs writes both files (a grouped target).
$(WEB_BUILD) &: web/node_modules/.installed $(WIDGET_SOURCES)
	cd web && node build.mjs

widget: $(WEB_BUILD)

# Everything `make run` needs, built side by side (make -j3): the Rasa venv then the model (the
# longest branch), the back office's venv, the widget. `python -m bench.setup_time` times it.
setup:
	@$(MAKE) --no-print-directory -j3 $(VENV)/.installed $(BO_VENV)/.installed $(MODEL) $(WEB_BUILD)

run: setup
	@$(PY) -m scripts.envfile .env
	$(PY) -m scripts.stack $(MODEL)

# The production topology on this machine (scripts/production.py, README "Production topology"):
# nginx in front of RASA_REPLICAS Rasa replicas and ACTION_SERVERS action servers, the back
# office, on the machine's PostgreSQL, Redis and RabbitMQ; a process that dies is restarted.
run-production: venvs $(MODEL) $(WEB_BUILD) nginx
	@$(PY) -m scripts.envfile .env
	$(PY) -m scripts.production --model $(MODEL)

# Debian's nginx for the production topology (it runs unprivileged, on high ports).
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's nginx for the production topology"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
		else echo "error: nginx not found: apt-get install nginx" >&2; exit 1; fi; }

# The dashboard with figures on a fresh clone: a database of its own (never the back office's:
# the demo command refuses that one and any with real data), migrated with the accounts seeded
# from .env, 30 days of generated traffic ending today, then the back office on it alone (no
# Rasa, no events read). `make demo` again replaces the demo data.
DEMO_DB := var/demo/backoffice-demo.db
DEMO_URL := sqlite:///$(CURDIR)/$(DEMO_DB)
DEMO_PORT ?= 8000

demo: venvs .env $(WEB_BUILD)
	@mkdir -p -m 700 var/demo
	BACKOFFICE_DATABASE_URL=$(DEMO_URL) CAREDESK_SEED_DEMO=true $(BO_PY) -m backoffice migrate
	$(BO_PY) -m backoffice.analytics.demo --database-url $(DEMO_URL) --days 30
	@echo "demo dashboard: http://127.0.0.1:$(DEMO_PORT)/dashboard (and /api/v1/analytics/summary)"
	@echo "sign in as cco: its password is HELPDESK_CCO_PASSWORD in .env; Ctrl-C stops the server"
	BACKOFFICE_DATABASE_URL=$(DEMO_URL) BACKOFFICE_PORT=$(DEMO_PORT) CAREDESK_SEED_DEMO=true \
		ANALYTICS_EVENTS_URL= $(BO_PY) -m backoffice

# mypy per process, each with its venv: the back office (and its routing benchmark) on 3.12.
lint: venvs
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(BO_PY) -m mypy --python-version 3.12 backoffice bench/routing_eval.py bench/analytics.py bench/order_updates.py

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

validate: $(VENV)/.installed
	$(RASA) data validate --domain domain --fail-on-warnings

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out var/results/stories

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium not found: browser tests will be skipped (apt-get install chromium)"; fi; }

# Two runs: the back office's tests in its venv, the rest in the Rasa venv (tests/conftest.py),
# side by side (each mostly waits on servers it started; every server takes a free port, every
# scratch database a unique name). The back office's report follows the Rasa side's (all of it
# when it failed); either failing fails the target. $(1): the back office's pytest arguments,
# $(2): the Rasa side's, $(3): the back office's log.
define side_by_side_pytest
	@mkdir -p var/results
	@$(BO_PY) -m pytest $(1) > $(3) 2>&1 & bo=$$!; \
	echo "back office tests running beside these (report below; log: $(3))"; \
	$(PY) -m pytest $(2); rasa_rc=$$?; \
	wait $$bo; bo_rc=$$?; \
	echo "== back office tests ($(3)) =="; \
	if [ $$bo_rc -eq 0 ]; then tail -n 5 $(3); else cat $(3); fi; \
	echo "Rasa side exit $$rasa_rc, back office exit $$bo_rc"; \
	[ $$rasa_rc -eq 0 ] && [ $$bo_rc -eq 0 ]
endef

# Every test's time (setup, call and teardown together) in JUnit XML, for finding the slow ones.
pytest: $(MODEL) $(WEB_BUILD) browser nginx $(BO_VENV)/.installed
	$(call side_by_side_pytest,--junitxml=var/results/pytest-backoffice.xml,--junitxml=var/results/pytest-rasa.xml,var/results/pytest-backoffice.log)

test: setup lint validate test-stories pytest

# Daily work: unit and component tests, the back office's API included (on SQLite: `make test`
# runs it on PostgreSQL too), without the running system, a browser or the trained model's
# held-out scores (test-fast does not train); both venvs' halves side by side, as in `make
# pytest`, the back office's on two pytest-xdist workers (each module on one, its tests in
# order). `make test` runs everything.
FAST_MARKERS := -m "not stack and not browser and not postgres and not model" -q
test-fast: venvs $(WEB_BUILD)
	$(call side_by_side_pytest,$(FAST_MARKERS) -n 2 --dist loadfile,$(FAST_MARKERS),var/results/pytest-fast-backoffice.log)

bench: $(MODEL) $(BO_VENV)/.installed nginx
	$(PY) -m bench.nlu_eval
	$(PY) -m bench.order_concurrency
	$(BO_PY) -m bench.routing_eval
	$(PY) -m bench.handoff_eval
	$(PY) -m bench.out_of_scope_eval
	$(PY) -m bench.conversation_fuzz --conversations 100
	$(PY) -m bench.load
	$(PY) -m bench.topology

clean:
	rm -rf models var/results .rasa
