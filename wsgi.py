"""WSGI entry point: gunicorn 'wsgi:app' and `flask --app wsgi`."""
from border_referral import create_app

app = create_app()
