# The portal's two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STACK := $(PY) -m portal.devstack
USWDS := static/vendor/uswds
LEAFLET := static/vendor/leaflet
USWDS_SASS := node_modules/.bin/sass --load-path=node_modules/@uswds/uswds/packages \
	--style=compressed --no-source-map --quiet

# System packages the test suite needs: Chromium for the browser tests, WeasyPrint's
# Pango/HarfBuzz libraries for PDFs, poppler-utils to read PDFs back, gettext for translations.
APT_PACKAGES := chromium poppler-utils gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

.PHONY: run test bench lint fmt setup system-deps messages clean

run: setup ## Serve the portal with demo data on http://127.0.0.1:8000
	$(STACK) run

test: system-deps setup messages ## Lint, check migrations, run the whole suite
	$(STACK) test $(PYTEST_ARGS)

bench: system-deps setup ## Benchmarks in tests/perf (not part of `make test`)
	$(STACK) bench $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

setup: $(VENV)/.installed $(USWDS)/.installed $(LEAFLET)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# USWDS's assets; its CSS refers to ../fonts and ../img, so they sit side by side. The
# stylesheet is compiled from the portal's settings (static/portal/scss/portal-uswds.scss).
$(USWDS)/.installed: node_modules/.installed static/portal/scss/portal-uswds.scss
	rm -rf $(USWDS) && mkdir -p $(USWDS)
	cp -r node_modules/@uswds/uswds/dist/{css,js,fonts,img} $(USWDS)/
	$(USWDS_SASS) static/portal/scss/portal-uswds.scss $(USWDS)/css/uswds.min.css
	touch $@

# Leaflet for the concern-report map (an enhancement; served from here, never a CDN).
$(LEAFLET)/.installed: node_modules/.installed
	rm -rf $(LEAFLET) && mkdir -p $(LEAFLET)
	cp -r node_modules/leaflet/dist/{leaflet.js,leaflet.js.map,leaflet.css,images} $(LEAFLET)/
	touch $@

messages: $(VENV)/.installed
	DEBUG=true $(PY) manage.py compilemessages --ignore='.venv' --ignore='node_modules' -v 0

system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="yes"; \
	command -v pdftotext >/dev/null || missing="yes"; \
	command -v msgfmt >/dev/null || missing="yes"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="yes"; \
	ldconfig -p | grep -q libharfbuzz-subset || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	  else \
	    echo "Missing system packages. Install them with:"; \
	    echo "  sudo apt-get install -y --no-install-recommends $(APT_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules $(USWDS) $(LEAFLET) staticfiles
