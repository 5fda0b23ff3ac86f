# The lpse-hub image the Helm chart runs (deploy/helm/lpse-hub): `docker build -t lpse-hub:0.1.0 .`
#
# Two stages: the builder makes a wheel of the project and installs it with its dependencies into a
# virtual environment; the final image holds only that environment on python:3.11-slim, runs as a
# fixed non-root UID (the chart's securityContext names the same one) and writes only to the data
# directory and /tmp, so the root filesystem can be mounted read-only.

FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY tenants ./tenants
COPY federation ./federation
COPY cli ./cli
COPY monitoring ./monitoring

RUN python -m venv /opt/venv \
    && pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/*.whl

FROM python:3.11-slim

ARG UID=10001

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LPSE_HUB_DATA_DIR=/var/lib/lpse-hub \
    LPSE_HUB_HOST=0.0.0.0 \
    LPSE_HUB_PORT=8000

RUN groupadd --system --gid ${UID} lpse-hub \
    && useradd --system --uid ${UID} --gid ${UID} --home-dir /var/lib/lpse-hub --no-create-home \
       --shell /usr/sbin/nologin lpse-hub \
    && mkdir -p /var/lib/lpse-hub \
    && chown ${UID}:${UID} /var/lib/lpse-hub

COPY --from=builder /opt/venv /opt/venv

USER 10001:10001
WORKDIR /var/lib/lpse-hub
VOLUME ["/var/lib/lpse-hub"]
EXPOSE 8000

ENTRYPOINT ["lpse-hub"]
CMD ["serve", "--host", "0.0.0.0", "--no-migrate"]
