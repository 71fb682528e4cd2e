# A worker's notebook server (values.yaml: singleuser.image): JupyterLab in Chinese, nbgrader with Jinguo's
# exchange and the translated lab extension, ipywidgets and Jinguo's widgets, Chinese fonts for charts.
# Build from the repository root:
#   docker build -f deploy/docker/singleuser.Dockerfile -t registry.example.org/jinguo/singleuser:0.1.0 .
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LANG=C.UTF-8 \
    LC_ALL=C.UTF-8

# Noto CJK: matplotlib charts with Chinese labels (Jinguo requires matplotlib >= 3.11 to read every face of the .ttc)
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini fonts-noto-cjk git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /src/jinguo
# jinguo brings jupyterlab, jupyterlab-language-pack-zh-CN, nbgrader, ipywidgets and matplotlib (pyproject.toml)
RUN pip install /src/jinguo \
 && mkdir -p /etc/jinguo \
 && cp -r /src/jinguo/hub/jupyterhub/singleuser /etc/jinguo/singleuser \
 && python -c "from hub.jupyterhub.config import install_lab_settings; install_lab_settings()" \
 && rm -rf /src/jinguo

# uid 1000, group users (100): singleuser.uid / singleuser.fsGid in values.yaml; her home is her own volume
RUN useradd --uid 1000 --gid 100 --home-dir /home/jovyan --create-home --shell /bin/bash jovyan
WORKDIR /home/jovyan
USER 1000

EXPOSE 8888
ENTRYPOINT ["tini", "-g", "--"]
# jupyterhub-singleuser without the imports a worker's server never uses (hub/jupyterhub/singleuser/lean.py, issue 20)
CMD ["python", "-m", "hub.jupyterhub.singleuser.lean"]
