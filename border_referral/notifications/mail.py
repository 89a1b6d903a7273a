"""E-mail notices through SMTP (when MAIL_SERVER is set). An e-mail carries only the reference, what
happened and a link: never a name or anything else about the person."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _

from ..i18n import valid_locale

log = logging.getLogger("border_referral.mail")


def compose(about, reference: str, path: str, kind: str, locale: str | None) -> tuple[str, str]:
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}"
    with force_locale(valid_locale(locale) or "en"):
        subject = str(about.title) % {"reference": reference, "what": about.what(kind)}
        body = subject + "\n\n" + _("Sign in to read it: %(link)s", link=link)
    return subject, body


def send_notices(recipients: list[tuple[str, str | None]], about, reference: str, path: str, kind: str) -> int:
    cfg = current_app.config
    sent = 0
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=10) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            for address, locale in recipients:
                subject, body = compose(about, reference, path, kind, locale)
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = cfg["MAIL_FROM"], address, subject
                msg.set_content(body)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:  # the notice stays in the app; mail is best effort
        log.warning("mail not sent", extra={"error_type": type(exc).__name__, "event": "mail.failed"})
    return sent
