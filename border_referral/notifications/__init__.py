"""In-app notices and e-mail for every feature: a feature registers the kinds of record it notifies
about (`register_subject`) and calls `notify_centre`; this package stores the notices, shows them and
sends the e-mails. A notice carries the reference and what happened, never personal data."""
