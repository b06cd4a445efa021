# One image for the three services; compose.yaml picks the command (python -m services.<name>).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# The project's own metadata decides the dependencies: `pip install .` reads pyproject.toml,
# without the test extras, so the image holds no dev or test tools.
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install . \
    && useradd --system --uid 10001 --create-home --home-dir /home/ember ember \
    && mkdir -p /var/lib/ember \
    && chown ember:ember /var/lib/ember

# The SQLite database lives here (a named volume in compose.yaml); run from there so the
# default ./data/ember.sqlite would land in it too.
WORKDIR /var/lib/ember
USER ember
EXPOSE 8004
CMD ["python", "-m", "services.api"]
