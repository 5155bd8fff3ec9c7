# Parcours FLE — production image (PostgreSQL + Meilisearch configured by environment).
# Not buildable on the development machines (no Docker engine there): kept simple on purpose.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 app
WORKDIR /srv/parcours-fle

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
RUN pip install . && chown -R app:app /srv/parcours-fle

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# `serve` migrates to head first, then runs uvicorn with several workers.
CMD ["parcours-fle", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
