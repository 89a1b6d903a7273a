"""Reports: what leaves the system as figures or de-identified records (issue 17). For now the
CTDC-compatible export of a centre's identified victims, k-anonymous over its columns."""
