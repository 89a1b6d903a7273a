"""The crypto layer on its own: key ring, envelope, sealed fields, encrypted files, rotation."""
import io
import os
import stat

import pytest

from border_referral.crypto import envelope, files
from border_referral.crypto.errors import IntegrityFailure, KeyUnavailable
from border_referral.crypto.fields import Ciphertext, PlaintextRefused, Sealed
from border_referral.crypto.keyring import KeyRing
from border_referral.crypto.models import DataKey
from border_referral.crypto.rotation import rotate
from border_referral.crypto.vault import Vault


def test_keyring_file_is_private_and_outside_the_database(app, db):
    with db() as s:
        Vault.create(s, "CR")
    path = app.config["BORDER_REFERRAL_KEYRING"]
    assert os.path.exists(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not path.startswith(app.config["DATABASE_URL"].replace("sqlite:///", "") + "x")


def test_keyring_versions_and_retirement(tmp_path):
    ring = KeyRing(tmp_path / "ring.json")
    ring.ensure_centre("CR")
    first = ring.kek("CR", 1)
    assert ring.add_version("CR") == 2 and ring.active_version("CR") == 2
    other = KeyRing(tmp_path / "ring.json")  # another process sees the change
    assert other.active_version("CR") == 2 and other.kek("CR", 1) == first
    ring.retire("CR", [1])
    with pytest.raises(KeyUnavailable):
        other.kek("CR", 1)
    assert other.index_key("CR") != other.kek("CR", 2)


def test_sealed_fields_are_bound_to_table_row_field_and_key(app, db):
    with db() as s:
        vault = Vault.create(s, "CR")

        class Row:
            __tablename__ = "case_file"
            __encrypted__ = {"full_name": "identity", "narrative": "facts"}

            def __init__(self, ident):
                self.id = ident
                self.full_name = self.narrative = None

        a, b = Row("a"), Row("b")
        vault.write(a, {"full_name": "สมชาย", "narrative": "story"})
        vault.write(b, {"full_name": "Aung"})
        assert vault.decrypt_unaudited(a, ["full_name"]) == {"full_name": "สมชาย"}
        assert "สมชาย".encode() not in bytes(a.full_name)
        b.full_name = a.full_name  # a ciphertext copied to another row
        with pytest.raises(IntegrityFailure):
            vault.decrypt_unaudited(b, ["full_name"])
        a.narrative, a.full_name = a.full_name, a.narrative  # moved to another field
        with pytest.raises(IntegrityFailure):
            vault.decrypt_unaudited(a, ["narrative"])
        vault.write(a, {"full_name": "สมชาย"})
        flipped = bytearray(a.full_name)
        flipped[-1] ^= 1
        a.full_name = Sealed(bytes(flipped))
        with pytest.raises(IntegrityFailure):
            vault.decrypt_unaudited(a, ["full_name"])
        other = Vault.create(s, "CR")  # the same ciphertext under another case's key
        vault.write(a, {"full_name": "x"})
        with pytest.raises(IntegrityFailure):
            other.decrypt_unaudited(a, ["full_name"])


def test_reading_puts_the_read_on_record_and_a_list_is_one_record(app, db):
    """Vault.read and Vault.read_many are the normal reads: each writes an audit record naming the
    fields (never the values); the unaudited decrypt is a separately named method."""
    from sqlalchemy import select

    from border_referral.audit.models import AuditRecord
    from tests.conftest import principal

    with db() as s:
        from border_referral.demo import seed
        seed(s)
    with db() as s:
        actor = principal(s, "case", "CR")
        vault = Vault.create(s, "CR")

        class Note:
            __tablename__ = "case_note"
            __encrypted__ = {"body": "facts"}

            def __init__(self, ident):
                self.id, self.body = ident, None

        notes = [Note("n1"), Note("n2"), Note("n3")]
        for i, n in enumerate(notes):
            vault.write(n, {"body": f"secret note {i}"})
        before = s.execute(select(AuditRecord)).scalars().all()
        assert vault.read(notes[0], ["body"], actor=actor, action="case.notes_read", target=("case_file", "c1")) \
            == {"body": "secret note 0"}
        assert [v["body"] for v in vault.read_many(notes, ["body"], actor=actor, action="case.notes_read",
                                                      target=("case_file", "c1"))] == [f"secret note {i}" for i in range(3)]
        assert vault.read_many([], ["body"], actor=actor, action="case.notes_read", target=("case_file", "c1")) == []
        s.flush()
        added = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()[len(before):]
        assert [r.action for r in added] == ["case.notes_read", "case.notes_read"]
        assert all("secret note" not in (r.details or "") for r in added)
        assert not hasattr(vault, "decrypt"), "the unaudited read must not hide behind the ordinary name"


def test_ciphertext_column_refuses_plaintext():
    col = Ciphertext()
    with pytest.raises(PlaintextRefused):
        col.process_bind_param("Somchai", None)
    with pytest.raises(PlaintextRefused):
        col.process_bind_param(b"Somchai", None)
    assert col.process_bind_param(Sealed(b"\x01abc"), None) == b"\x01abc"


def test_wrapped_key_is_bound_to_its_row(app, db):
    with db() as s:
        a = Vault.create(s, "CR").data_key
        b = Vault.create(s, "CR").data_key
        b.wrapped = a.wrapped
        with pytest.raises(IntegrityFailure):
            envelope.unwrap(b)
        envelope.destroy(a)
        with pytest.raises(KeyUnavailable):
            envelope.unwrap(a)


@pytest.fixture
def filekey(app):
    with app.app_context():
        yield os.urandom(32)


def _stored(app, file_id):
    return files._path(file_id)


@pytest.mark.parametrize("size", [0, 10, files.CHUNK, files.CHUNK * 3 + 17])
def test_files_round_trip(app, filekey, size):
    data = os.urandom(size)
    file_id, written = files.write(filekey, io.BytesIO(data))
    assert written == size and files.read_all(filekey, file_id) == data
    if size:
        assert data[:64] not in _stored(app, file_id).read_bytes()


def _tampered(app, filekey, change):
    data = os.urandom(files.CHUNK * 3 + 5)
    file_id, _ = files.write(filekey, io.BytesIO(data))
    path = _stored(app, file_id)
    raw = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(raw)))
    with pytest.raises(IntegrityFailure):
        files.read_all(filekey, file_id)


CHUNK_RECORD = 4 + files.CHUNK + files.TAG
HEAD = len(files.MAGIC) + files.PREFIX


def _swap_first_two_chunks(raw):
    first = raw[HEAD:HEAD + CHUNK_RECORD]
    second = raw[HEAD + CHUNK_RECORD:HEAD + 2 * CHUNK_RECORD]
    return raw[:HEAD] + second + first + raw[HEAD + 2 * CHUNK_RECORD:]


@pytest.mark.parametrize("change", [
    pytest.param(lambda raw: raw[:HEAD + 100] + bytes([raw[HEAD + 100] ^ 1]) + raw[HEAD + 101:], id="flip-byte"),
    pytest.param(lambda raw: raw[:-1], id="cut-last-byte"),
    pytest.param(lambda raw: raw[:HEAD + CHUNK_RECORD], id="drop-later-chunks"),
    pytest.param(_swap_first_two_chunks, id="reorder-chunks"),
    pytest.param(lambda raw: raw + raw[HEAD:HEAD + CHUNK_RECORD], id="append-chunk"),
    pytest.param(lambda raw: raw[:HEAD] + raw[HEAD + CHUNK_RECORD:], id="drop-first-chunk"),
    pytest.param(lambda raw: b"XXXX" + raw[4:], id="bad-magic"),
])
def test_file_tampering_is_detected(app, filekey, change):
    _tampered(app, filekey, change)


def test_file_under_another_key_or_name_fails(app, filekey):
    file_id, _ = files.write(filekey, io.BytesIO(b"hello"))
    with pytest.raises(IntegrityFailure):
        files.read_all(os.urandom(32), file_id)
    other_id, _ = files.write(filekey, io.BytesIO(b"world"))
    _stored(app, other_id).write_bytes(_stored(app, file_id).read_bytes())  # renamed/copied file
    with pytest.raises(IntegrityFailure):
        files.read_all(filekey, other_id)
    with pytest.raises(IntegrityFailure):
        files.read_all(filekey, "../../etc/passwd")


def _make_keys(db, n, centre="CR"):
    ids = {}
    with db() as s:
        for _ in range(n):
            v = Vault.create(s, centre)
            ids[v.key_id] = v._dek
    return ids


def _all_readable(db, ids):
    with db() as s:
        for key_id, dek in ids.items():
            assert envelope.unwrap(s.get(DataKey, key_id)) == dek


def test_rotation_rewraps_without_touching_data_and_retires_old_versions(app, db):
    ids = _make_keys(db, 5)
    _make_keys(db, 2, centre="TL")
    result = rotate("CR", batch=2)
    assert result.version == 2 and result.rewrapped == 5 and result.retired == [1]
    _all_readable(db, ids)
    with db() as s:
        assert {s.get(DataKey, k).kek_version for k in ids} == {2}
    ring = envelope.keyring()
    with pytest.raises(KeyUnavailable):
        ring.kek("CR", 1)
    assert ring.active_version("TL") == 1  # other centres untouched


def test_interrupted_rotation_leaves_everything_readable(app, db):
    ids = _make_keys(db, 5)

    class PowerCut(Exception):
        pass

    def cut(done):
        if done >= 2:
            raise PowerCut()

    with pytest.raises(PowerCut):
        rotate("CR", batch=2, after_batch=cut)
    with db() as s:
        versions = {s.get(DataKey, k).kek_version for k in ids}
    assert versions == {1, 2}  # half-way
    _all_readable(db, ids)
    result = rotate("CR", batch=2)  # running it again finishes the job
    assert result.version == 3 and sorted(result.retired) == [1, 2]
    _all_readable(db, ids)


def test_keys_rotate_command(demo, db):
    app = demo
    ids = _make_keys(db, 3)
    out = app.test_cli_runner().invoke(args=["keys", "rotate", "--centre", "cr"])
    assert out.exit_code == 0 and "3 data keys rewrapped" in out.output
    _all_readable(db, ids)
    bad = app.test_cli_runner().invoke(args=["keys", "rotate", "--centre", "ZZ"])
    assert bad.exit_code != 0
