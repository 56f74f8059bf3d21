# storybot on Discord: `python -m bot run --discord` stops with one error line (exit 2) when DISCORD_TOKEN is unset,
# so a restart policy never loops on an empty console; `python -m bot console` answers on stdin instead.
#   podman build --pull=never --format docker -t storybot .      (--format docker keeps the HEALTHCHECK)
#   podman run --rm -e DISCORD_TOKEN -v storybot-state:/data/state -v storybot-corpus:/data/corpus storybot
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STORYBOT_CORPUS_DIR=/data/corpus \
    STORYBOT_STATE_DIR=/data/state
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock \
 && useradd --create-home --uid 10001 storybot

COPY answers ./answers
COPY bot ./bot
COPY corpus ./corpus
COPY evaluation ./evaluation
COPY index ./index
COPY quotations ./quotations
COPY storage ./storage
COPY config.example.toml ./
# The bundled story seeds the corpus volume the first time it is mounted.
RUN mkdir -p /data/corpus /data/state \
 && cp corpus/story/*.txt /data/corpus/ \
 && chown -R storybot:storybot /data

# The query kernels, compiled once here (numba) into a cache the bot's user may also write (another CPU recompiles).
ENV NUMBA_CACHE_DIR=/app/.numba-cache
RUN python -c "from index import accel; assert accel.wait()" && chown -R storybot:storybot /app/.numba-cache

USER storybot
VOLUME ["/data/corpus", "/data/state"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run", "--discord"]
