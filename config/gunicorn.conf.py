"""gunicorn settings for `make run`. PORT overrides the port; the app binds to loopback only."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
timeout = 60
# Access log without the query string (%(U)s is the path only): query strings may carry search
# terms, which can be personal data.
accesslog = "-"
access_log_format = '{"logger":"access","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s","ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"

# Do not announce the server software and its version in every answer ("Server: gunicorn/27.0.1").
import gunicorn.http.wsgi  # noqa: E402

gunicorn.http.wsgi.SERVER = "border_referral"
