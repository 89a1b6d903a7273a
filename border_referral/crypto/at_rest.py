"""Records sealed at rest: working documents that are kept encrypted in the database but whose
reads are not audited one by one (the joint meetings' agendas, minutes, participants and actions).

They are not case files: they name cases by number and officials by name, and every member centre
of a partnership reads them all day. What the attack review found was that they sat in clear in the
database and in every backup. Here each such record is sealed under a data key of its own record
family (a meeting's key, wrapped by the host centre's KEK like every data key), field by field with
the same AES-256-GCM and associated data as personal fields (table, record, field, key), so a
ciphertext moved to another row or field does not open.

A model opts in by declaring

    __encrypted__ = ("title", "description")   # Ciphertext columns
    key_id: Optional[str]                       # its data key
    __seal_id__ = "id"                          # the column that names the row in the AAD

and registering how its key is found (`register(Model, key_of)`; key_of(session, obj) returns the
key id, creating one with `new_key` when the record family has none yet). Services then read and
write plain values as before: the values are sealed just before a flush and opened when a row is
loaded, in this module only, through the Vault. Nothing in clear can reach those columns
(`Ciphertext` refuses it), so a path that forgot to seal fails loudly instead of writing clear text.

Destroying the family's data key (crypto-shredding) makes every record under it unreadable."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, attributes

from . import envelope
from .fields import Sealed
from .models import DataKey
from .vault import Vault

_KEYS: dict[type, Callable] = {}
_PENDING = "br_at_rest_plain"
_DEKS = "br_at_rest_deks"


def register(model: type, key_of: Callable) -> None:
    """Seal `model.__encrypted__` under the key `key_of(session, obj)` names."""
    _KEYS[model] = key_of
    event.listen(model, "load", _on_load)
    event.listen(model, "refresh", _on_refresh)


def new_key(session: Session, centre_code: str) -> str:
    """A new data key for a record family, wrapped by `centre_code`'s KEK (usable inside a flush)."""
    dk, dek = envelope.new_data_key(session, centre_code, flush=False)
    session.info.setdefault(_DEKS, {})[dk.id] = Vault(session, dk, dek)
    return dk.id


def _vault(session: Session, key_id: str) -> Vault:
    """The vault of a key, unwrapped once per session (KeyUnavailable once the key was destroyed)."""
    vaults = session.info.setdefault(_DEKS, {})
    if key_id not in vaults:
        dk = session.identity_map.get(inspect(DataKey).identity_key_from_primary_key((key_id,)))
        if dk is None:
            # Inside a load: the key row is read with the session's connection, not a nested ORM load.
            row = session.connection().execute(select(DataKey.__table__).where(DataKey.__table__.c.id == key_id)).first()
            dk = DataKey(**row._mapping) if row is not None else None
        vaults[key_id] = Vault(session, dk, envelope.unwrap(dk))
    return vaults[key_id]


def _fields(obj) -> tuple[str, ...]:
    return type(obj).__encrypted__


@event.listens_for(Session, "before_flush")
def _seal(session: Session, _context, _instances) -> None:
    pending = []
    for obj in list(session.new) + list(session.dirty):
        key_of = _KEYS.get(type(obj))
        if key_of is None:
            continue
        state = inspect(obj)
        new = obj in session.new
        changed = {f: getattr(obj, f) for f in _fields(obj)
                   if (new or state.attrs[f].history.has_changes()) and not isinstance(getattr(obj, f), Sealed)}
        if not changed:
            continue
        with session.no_autoflush:
            if obj.key_id is None:
                obj.key_id = key_of(session, obj)
            vault = _vault(session, obj.key_id)
        vault.write(obj, changed)
        pending.append((obj, changed))
    if pending:
        session.info.setdefault(_PENDING, []).extend(pending)


@event.listens_for(Session, "after_flush_postexec")
def _show_plain(session: Session, _context) -> None:
    """After the flush the objects hold the plain values again, as committed state."""
    for obj, values in session.info.pop(_PENDING, []):
        for field, value in values.items():
            attributes.set_committed_value(obj, field, value)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)


def _open(obj, fields) -> None:
    fields = [f for f in fields if isinstance(obj.__dict__.get(f), Sealed)]
    key_id = obj.__dict__.get("key_id")
    if not fields or key_id is None:
        return
    session = inspect(obj).session
    values = _vault(session, key_id).decrypt_unaudited(obj, fields)  # working documents: reads not audited
    for field, value in values.items():
        attributes.set_committed_value(obj, field, value)


def _on_load(obj, _context) -> None:
    _open(obj, _fields(obj))


def _on_refresh(obj, _context, attrs) -> None:
    _open(obj, _fields(obj) if attrs is None else [f for f in attrs if f in _fields(obj)])
