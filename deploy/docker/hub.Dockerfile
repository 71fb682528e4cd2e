# Jinguo's hub image for the Zero to JupyterHub chart (values.yaml: hub.image). The chart's own image pins
# JupyterHub 5.5; Jinguo needs 6. The chart mounts its jupyterhub_config.py and z2jh.py into
# /usr/local/etc/jupyterhub/ and starts `jupyterhub --config ...`; hub.extraConfig then calls
# hub.kubernetes.configure_kubernetes(c). The same image runs the platform service (jinguo-service.yaml).
# Build from the repository root:  docker build -f deploy/docker/hub.Dockerfile -t registry.example.org/jinguo/hub:0.1.0 .
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LANG=C.UTF-8

# tini reaps the managed services' processes (the idle culler); the proxy runs in its own pod; libcurl for pycurl (the chart's config selects the curl HTTP client)
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /src/jinguo
RUN pip install /src/jinguo \
        "jupyterhub>=6.1,<7" \
        "jupyterhub-kubespawner>=7.1,<8" \
        "jupyterhub-idle-culler>=1.4" \
        "psycopg[binary]>=3.2,<4" \
        "pycurl>=7.45" \
 && rm -rf /src/jinguo

RUN groupadd --gid 1000 jovyan \
 && useradd --uid 1000 --gid 1000 --home-dir /srv/jupyterhub --create-home --shell /usr/sbin/nologin jovyan \
 && mkdir -p /srv/jinguo /srv/jinguo-hub && chown jovyan:jovyan /srv/jinguo /srv/jinguo-hub
WORKDIR /srv/jupyterhub
USER 1000

# 8081: the hub's API and pages (the chart's hub Service); 8000: the platform service (python -m hub.web)
EXPOSE 8081 8000
ENTRYPOINT ["tini", "-g", "--"]
CMD ["jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py"]
