# syntax=docker/dockerfile:1
# CivicOps application image. One image runs every role; the command picks it:
#   civicops server (default) | civicops worker | civicops bootstrap
# No HEALTHCHECK here because the worker and bootstrap roles serve no HTTP.
# docker-compose.yml checks the API's GET /health instead.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtualenv with the runtime dependencies and the project, nothing else ----
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so this layer is rebuilt only when the
# dependency list changes, not on every code change. [project.dependencies] only: no dev or
# embedded extras.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(deps))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

# Then the project itself (.dockerignore keeps .venv, var, .git and tests out).
COPY . .
RUN pip install --no-deps . \
 && pip check

# ---- runtime ----
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CIVICOPS_VAR_DIR=/var/lib/civicops \
    API_HOST=0.0.0.0 \
    API_PORT=8000

# Noto fonts for notices in Kannada, Devanagari, Tamil, Telugu, Bengali and Gujarati.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-core \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user with a fixed uid/gid, owning only the var and key directories.
RUN groupadd --system --gid 10001 civicops \
 && useradd --system --uid 10001 --gid civicops --home-dir /var/lib/civicops \
      --no-create-home --shell /usr/sbin/nologin civicops \
 && mkdir -p /var/lib/civicops /var/lib/civicops-keys \
 && chown civicops:civicops /var/lib/civicops /var/lib/civicops-keys \
 && chmod 0700 /var/lib/civicops-keys

COPY --from=build /opt/venv /opt/venv

WORKDIR /var/lib/civicops
USER 10001:10001

EXPOSE 8000
CMD ["civicops", "server"]
