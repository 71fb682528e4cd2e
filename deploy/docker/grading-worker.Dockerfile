# Celery grading worker (grading-worker.yaml): grades submissions from PostgreSQL in the bubblewrap sandbox.
# Build from the repository root:
#   docker build -f deploy/docker/grading-worker.Dockerfile -t registry.example.org/jinguo/grading-worker:0.1.0 .
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LANG=C.UTF-8

# bubblewrap: the sandbox (not setuid: it runs on user namespaces, see grading-worker.yaml for the pod's profile)
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini bubblewrap fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

COPY . /src/jinguo
RUN pip install /src/jinguo && rm -rf /src/jinguo

RUN groupadd --gid 10001 grader \
 && useradd --uid 10001 --gid 10001 --home-dir /scratch --no-create-home --shell /usr/sbin/nologin grader \
 && mkdir -p /scratch && chown grader:grader /scratch
WORKDIR /scratch
USER 10001

# no EXPOSE: nothing connects to a grading worker; it connects out to PostgreSQL and Redis only
ENTRYPOINT ["tini", "-g", "--"]
CMD ["jinguo", "grading-worker"]
