"""gunicorn settings for Newsroom: `gunicorn newsroom.wsgi` picks this file up from the project root.

Every value can be changed from the environment (see `.env.example`). Graceful
restart: `kill -HUP <master pid>` starts new workers on the new code and lets
the old ones finish their requests; `kill -TERM` drains and stops.
"""

import multiprocessing
import os

wsgi_app = "newsroom.wsgi:application"

# Behind a proxy on the same machine, listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: the site is CPU-bound on template rendering, so one process per
# core and one more to cover the time a worker waits on the database or Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# A request that takes longer than this is killed and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On HUP or TERM, workers get this long to finish the requests they hold.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Recycle each worker after a number of requests (with jitter, so they do not
# all restart at once) to bound the effect of any slow memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))

# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The addresses allowed to set X-Forwarded-* headers (the proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs: the access log to stdout, gunicorn's own log to stderr; the process
# manager (systemd's journal, a container runtime) collects both.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# gunicorn 27 opens a control socket at a fixed path by default; two instances
# on one machine would collide. Signals (HUP, TERM, TTIN, TTOU) do the same job.
control_socket_disable = True
