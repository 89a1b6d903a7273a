"""The meetings API (README, "API"), pages, and the agenda and minutes documents (PDF and DOCX) in the
meeting's languages and the standard section order."""
import io
import re
import subprocess
from html import unescape

from tests.conftest import translated





def test_contract_meeting_agenda_actions(api):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    r = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                          "venue": "Chiang Rai"})
    assert r.status_code == 201 and r.json["number"] == 1 and r.json["year"] == 2026
    mid = r.json["id"]
    assert tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Border pass rules", "type": "information"}).status_code == 201
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Joint patrols", "type": "decision"}).status_code == 201
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "AOB", "type": "other"}).status_code == 201
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "x", "type": "gossip"}).status_code == 422
    assert cr.post(f"/api/v1/meetings/{mid}/actions", json={"title": "x", "owner_centre": "TL", "due": "2027-01-10"}).status_code == 409
    assert tl.post(f"/api/v1/meetings/{mid}/close-agenda").status_code == 403
    assert cr.post(f"/api/v1/meetings/{mid}/close-agenda").status_code == 200
    assert tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "late", "type": "other"}).status_code == 409
    agenda = cr.get(f"/api/v1/meetings/{mid}/agenda").json["sections"]
    assert [s["number"] for s in agenda] == [1, 2, 3, 4, 5, 6]
    assert [i["title"] for i in agenda[3]["items"]] == ["Border pass rules"]
    assert [i["title"] for i in agenda[4]["items"]] == ["Joint patrols"]
    assert [i["title"] for i in agenda[5]["items"]] == ["AOB"]
    r = cr.post(f"/api/v1/meetings/{mid}/actions", json={"title": "Send the patrol schedule", "owner_centre": "TL",
                                                         "due": "2027-01-10"})
    assert r.status_code == 201
    r2 = tl.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-03-10T09:00:00+06:30", "venue": "Tachileik"})
    assert r2.json["number"] == 2
    nxt = tl.get(f"/api/v1/meetings/{r2.json['id']}/agenda").json["sections"]
    assert [i["title"] for i in nxt[2]["items"]] == ["Send the patrol schedule"]
    assert nxt[1]["items"][0]["kind"] == "minutes"
    assert cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-06-01T09:00:00+07:00",
                                             "venue": "x", "number": 2}).status_code == 409
    assert api("secretariat", "MS").get(f"/api/v1/meetings/{mid}/agenda").status_code == 404
    assert cr.post(f"/api/v1/meetings/{mid}/participants", json={"centre": "MS", "name": "X"}).status_code == 422


def test_ordering_into_a_wrong_section_is_refused(api):
    cr = api("secretariat", "CR")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "Chiang Rai"}).json["id"]
    iid = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Decide", "type": "decision"}).json["id"]
    r = cr.post(f"/api/v1/meetings/{mid}/agenda-items/{iid}/order", json={"section": 4})
    assert r.status_code == 422 and r.json["error"]["message"]
    assert cr.post(f"/api/v1/meetings/{mid}/agenda-items/{iid}/order", json={"section": 5}).json["section"] == 5


def _setup_documents(api):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "ศาลากลางจังหวัดเชียงราย"}).json["id"]
    tl.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "နယ်စပ်ဖြတ်ကျော်မှု စောင့်ကြည့်ရေး", "type": "information",
                                                         "language": "my", "translations": {"th": {"title": "การเฝ้าระวังการข้ามแดน"}}})
    item = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "การส่งกลับผู้เสียหาย", "type": "decision",
                                                                 "language": "th"}).json["id"]
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    r = cr.put(f"/api/v1/meetings/{mid}/minutes", json={
        "language": "th", "opened_at": "09:00", "closed_at": "12:00", "recorder": "คุณดาว", "checker": "คุณเล็ก",
        "items": {item: {"discussion": "ที่ประชุมหารือ", "resolution": "เห็นชอบให้ส่งกลับวันที่ 15 ธันวาคม"}}})
    assert r.status_code == 200
    return cr, mid


def test_agenda_and_minutes_documents_in_both_languages(api, tmp_path):
    cr, mid = _setup_documents(api)
    for doc in ("agenda", "minutes"):
        r = cr.get(f"/api/v1/meetings/{mid}/{doc}.pdf")
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        path = tmp_path / f"{doc}.pdf"
        path.write_bytes(r.data)
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / doc)], check=True)
        assert list(tmp_path.glob(f"{doc}*.png"))
        text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
        text = text.replace("\u200b", "")
        assert len(re.findall(r"[\u0E00-\u0E7F]", text)) > 30
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
        assert "BRNotoThai" in fonts and "BRNotoMyanmar" in fonts
        if doc == "agenda":  # the sections in the standard order: 1 ... 6
            numbers = [int(n) for n in re.findall(r"^([1-6])\. ", text, flags=re.M)]
            assert numbers == [1, 2, 3, 4, 5, 6], numbers
        else:
            assert "เห็นชอบให้ส่งกลับวันที่ 15 ธันวาคม" in text.replace("\n", "")
    from docx import Document
    for doc in ("agenda", "minutes"):
        r = cr.get(f"/api/v1/meetings/{mid}/{doc}.docx")
        assert r.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(r.data)).paragraphs)
        assert "နယ်စပ်ဖြတ်ကျော်မှု စောင့်ကြည့်ရေး" in text and "การเฝ้าระวังการข้ามแดน" in text
        assert re.findall(r"^([1-6])\. ", text, flags=re.M) == ["1", "2", "3", "4", "5", "6"]
        assert 'w:cs="Noto Sans Myanmar"' in r.data.decode("latin-1") or b"Noto Sans Myanmar" in _docx_xml(r.data)


def _docx_xml(data):
    import zipfile
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")


def test_pages_propose_close_minutes(signed_in, demo):
    cr = signed_in("secretariat", "CR")
    r = cr.post_form("/meetings/new", {"partnership": "CR-TL", "starts_at": "2026-12-10T09:00", "venue": "Chiang Rai"},
                     page="/meetings/new")
    assert r.status_code == 302
    url = r.location
    tl = signed_in("secretariat", "TL")
    assert tl.post_form(f"{url}/items", {"title": "ပွဲတော်ရာသီ ခရီးသွားလာမှု", "type": "information", "language": "my"},
                        page=url).status_code == 302
    assert "ပွဲတော်ရာသီ ခရီးသွားလာမှု" in cr.get(url).get_data(as_text=True)
    assert cr.post_form(f"{url}/state/close-agenda", {}, page=url).status_code == 302
    r = tl.post_form(f"{url}/items", {"title": "late", "type": "other"}, page=url)
    assert r.status_code == 409
    assert signed_in("secretariat", "MS").get(url).status_code == 404
    assert demo.test_client().get(url).status_code == 302


def test_pages_merge_items_and_translate_minutes(signed_in, api):
    cr = api("secretariat", "CR")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                            "venue": "Chiang Rai"}).json["id"]
    a = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Patrols north", "type": "decision"}).json["id"]
    b = cr.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "Patrols south", "type": "decision"}).json["id"]
    page = signed_in("secretariat", "CR")
    url = f"/meetings/{mid}"
    assert page.post_form(f"{url}/items/{b}/merge", {"into": a}, page=url).status_code == 302
    items = {i["id"]: i for i in cr.get(f"/api/v1/meetings/{mid}").json["proposals"]}
    assert items[b]["status"] == "merged" and items[b]["merged_into"] == a
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    r = page.post_form(f"{url}/minutes", {"entries": [a], "discussion-" + a: "Both sides agreed.",
                                           "resolution-" + a: "Joint patrols monthly.",
                                           "resolution-" + a + "-my": "လစဉ် ပူးတွဲ ကင်းလှည့်မည်။"}, page=url)
    assert r.status_code == 302
    minutes = cr.get(f"/api/v1/meetings/{mid}").json["minutes"]
    assert minutes["items"][a]["translations"]["my"]["resolution"] == "လစဉ် ပူးတွဲ ကင်းလှည့်မည်။"


def test_matters_arising_in_the_agenda_document_show_dates_in_each_readers_calendar(api, tmp_path):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                           "venue": "Chiang Rai"}).json["id"]
    cr.post(f"/api/v1/meetings/{m1}/close-agenda")
    cr.post(f"/api/v1/meetings/{m1}/actions", json={"title": "Patrol schedule", "owner_centre": "TL", "due": "2027-01-15"})
    m2 = tl.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-03-10T09:00:00+06:30",
                                           "venue": "Tachileik"}).json["id"]
    path = tmp_path / "agenda.pdf"
    path.write_bytes(tl.get(f"/api/v1/meetings/{m2}/agenda.pdf").data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    text = text.replace("\u200b", "")
    assert "2570" in text and "2027-01-15" not in text  # 15 Jan 2027 is B.E. 2570 for the Thai line


def test_a_refused_form_comes_back_as_typed_with_the_reason(signed_in, api, demo):
    mid = api("secretariat", "CR").post("/api/v1/meetings", json={
        "partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00", "venue": "Chiang Rai"}).json["id"]
    url = f"/meetings/{mid}"
    tl = signed_in("secretariat", "TL")  # reads Burmese
    r = tl.post_form(f"{url}/items", {"title": "နယ်စပ် လုံခြုံရေး", "description": "Typed description", "type": "decision",
                                      "language": "my", "references": "TL-2569-9999"}, page=url)
    assert r.status_code == 422
    html = unescape(r.get_data(as_text=True))
    assert 'value="နယ်စပ် လုံခြုံရေး"' in html and "Typed description</textarea>" in html
    assert re.search(r'<option selected value="decision">', html)
    reason = translated(demo, "my", "%(ref)s is not a case or referral number of your centre.", ref="TL-2569-9999")
    assert f'<p class="error" id="references-err">{reason}</p>' in html  # under the field it is about
    assert api("secretariat", "TL").get(f"/api/v1/meetings/{mid}").json["proposals"] == []

    cr = signed_in("secretariat", "CR")  # reads Thai
    r = cr.post_form("/meetings/new", {"partnership": "CR-TL", "starts_at": "soon", "venue": "ศาลากลางจังหวัด"})
    assert r.status_code == 422
    html = unescape(r.get_data(as_text=True))
    assert 'value="ศาลากลางจังหวัด"' in html and 'id="starts_at-err"' in html


def test_pages_offer_only_what_the_user_may_do(signed_in, api):
    mid = api("secretariat", "CR").post("/api/v1/meetings", json={
        "partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00", "venue": "Chiang Rai"}).json["id"]
    host = signed_in("secretariat", "CR").get(f"/meetings/{mid}").get_data(as_text=True)
    member = signed_in("secretariat", "TL").get(f"/meetings/{mid}").get_data(as_text=True)
    reader = signed_in("case", "CR").get(f"/meetings/{mid}").get_data(as_text=True)
    assert 'data-testid="close-agenda"' in host and 'data-testid="propose-form"' in host
    assert 'data-testid="close-agenda"' not in member and 'data-testid="propose-form"' in member
    assert 'data-testid="propose-form"' not in reader and f'action="/meetings/{mid}/' not in reader


def _pdf_text(data, tmp_path, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return text.replace("\u200b", "")


def test_number_shown_with_the_year_beside_it_on_pages_and_documents(signed_in, api, demo, tmp_path):
    cr = api("secretariat", "CR")
    mid = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2019-09-24T09:00:00+07:00",
                                            "venue": "Chiang Rai", "number": 13}).json["id"]
    assert cr.get(f"/api/v1/meetings/{mid}").json["number"] == 13 and cr.get(f"/api/v1/meetings/{mid}").json["year"] == 2019
    thai = translated(demo, "th", "Meeting no. %(number)s (%(year)s)", number=13, year="พ.ศ. 2562")
    burmese = translated(demo, "my", "Meeting no. %(number)s (%(year)s)", number=13, year="2019")
    for who, expected in (("CR", "13 (พ.ศ. 2562)"), ("TL", "13 (2019)")):
        page = signed_in("secretariat", who)
        for url in (f"/meetings/{mid}", "/meetings/"):
            html = unescape(page.get(url).get_data(as_text=True))
            assert expected in html and "13/25" not in html and "13/2019" not in html, (who, url)
    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    cr.post(f"/api/v1/meetings/{mid}/actions", json={"title": "Patrols", "owner_centre": "TL", "due": "2019-12-01"})
    assert thai in unescape(signed_in("secretariat", "CR").get("/meetings/actions?all=1").get_data(as_text=True))
    assert burmese in unescape(signed_in("secretariat", "TL").get("/meetings/actions?all=1").get_data(as_text=True))
    for doc in ("agenda", "minutes"):
        text = _pdf_text(cr.get(f"/api/v1/meetings/{mid}/{doc}.pdf").data, tmp_path, f"{doc}.pdf").replace("\n", " ")
        assert "13 (พ.ศ. 2562)" in text and "13 (2019)" in text and "13/" not in text, doc
        from docx import Document
        docx = "\n".join(p.text for p in Document(io.BytesIO(cr.get(f"/api/v1/meetings/{mid}/{doc}.docx").data)).paragraphs)
        assert "13 (พ.ศ. 2562)" in docx and "13 (2019)" in docx and "13/" not in docx, doc


def test_the_chair_is_stored_shown_and_printed_in_the_minutes(signed_in, api, demo, tmp_path):
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    r = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                          "venue": "Chiang Rai", "chair": {"name": "Somchai Jaidee"}})
    assert r.status_code == 201 and r.json["chair"] == {"name": "Somchai Jaidee", "centre": "CR"}  # the host's
    mid, version = r.json["id"], r.json["version"]
    r = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-06-10T09:00:00+07:00",
                                          "venue": "Chiang Rai", "chair": {"name": "X", "centre": "MS"}})
    assert r.status_code == 422  # Mae Sot is not a member of CR-TL
    r = cr.patch(f"/api/v1/meetings/{mid}", json={"chair": {"name": "X", "centre": "MW"}, "version": version})
    assert r.status_code == 422
    assert tl.patch(f"/api/v1/meetings/{mid}", json={"chair": {"name": "X"}, "version": version}).status_code == 403
    assert cr.patch(f"/api/v1/meetings/{mid}", json={"chair": {"name": "X"}, "version": version + 5}).status_code == 409
    assert cr.patch(f"/api/v1/meetings/{mid}", json={"chair": {"name": "X"}, "version": "abc"}).status_code == 422
    r = cr.patch(f"/api/v1/meetings/{mid}", json={"chair": {"name": "สมชาย ใจดี", "centre": "CR"}, "version": version})
    assert r.status_code == 200 and r.json["chair"] == {"name": "สมชาย ใจดี", "centre": "CR"}
    assert r.json["version"] == version + 1
    assert tl.get(f"/api/v1/meetings/{mid}").json["chair"]["name"] == "สมชาย ใจดี"
    html = unescape(signed_in("secretariat", "TL").get(f"/meetings/{mid}").get_data(as_text=True))
    assert "สมชาย ใจดี" in html and 'data-testid="meeting-chair"' in html and 'data-testid="chair-form"' not in html
    page = signed_in("secretariat", "CR")
    assert 'data-testid="chair-form"' in page.get(f"/meetings/{mid}").get_data(as_text=True)
    r = page.post_form(f"/meetings/{mid}/chair", {"chair_name": "U Aung", "chair_centre": "TL", "version": version + 1},
                       page=f"/meetings/{mid}")
    assert r.status_code == 302
    assert cr.get(f"/api/v1/meetings/{mid}").json["chair"] == {"name": "U Aung", "centre": "TL"}
    r = page.post_form(f"/meetings/{mid}/chair", {"chair_name": "Y", "chair_centre": "MW", "version": version + 2},
                       page=f"/meetings/{mid}")
    assert r.status_code == 422 and 'id="chair_centre-err"' in r.get_data(as_text=True)

    cr.post(f"/api/v1/meetings/{mid}/close-agenda")
    cr.put(f"/api/v1/meetings/{mid}/minutes", json={"language": "th", "opened_at": "09:00", "closed_at": "12:00",
                                                    "recorder": "คุณดาว", "checker": "คุณเล็ก", "items": {}})
    from sqlalchemy import select

    from border_referral.centres.models import Centre
    from border_referral.database import session_scope
    with demo.app_context(), session_scope() as s:
        tachileik = s.execute(select(Centre).where(Centre.code == "TL")).scalar_one().name("th")
    chair_th = translated(demo, "th", "Chair: %(name)s (%(centre)s)", name="U Aung", centre=tachileik)
    text = _pdf_text(cr.get(f"/api/v1/meetings/{mid}/minutes.pdf").data, tmp_path).replace("\n", " ")
    assert "U Aung" in text and chair_th.split(":")[0] in text
    head = text.split("U Aung")[0]
    assert "คุณดาว" not in head  # in the header, before the record of the meeting
    from docx import Document
    paras = [p.text for p in Document(io.BytesIO(cr.get(f"/api/v1/meetings/{mid}/minutes.docx").data)).paragraphs]
    chair = next(i for i, p in enumerate(paras) if "U Aung" in p)
    # as in the PDF: after the heading, the titles, the date and the venue; before the participants
    venue = next(i for i, p in enumerate(paras) if "Chiang Rai" in p)
    present = next(i for i, p in enumerate(paras) if translated(demo, "th", "Present") in p)
    assert chair_th in paras[chair] and venue < chair < present
    agenda = "\n".join(p.text for p in Document(io.BytesIO(cr.get(f"/api/v1/meetings/{mid}/agenda.docx").data)).paragraphs)
    assert "U Aung" not in agenda


def test_an_earlier_meeting_is_named_with_its_year_beside_its_number(api, signed_in, demo):
    """The series counts on across years, so "the minutes of meeting no. 1" alone would be ambiguous
    once years pass: every reference to an earlier meeting carries its year, in the reader's calendar."""
    cr, tl = api("secretariat", "CR"), api("secretariat", "TL")
    m1 = cr.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2026-12-10T09:00:00+07:00",
                                           "venue": "Chiang Rai"}).json
    cr.post(f"/api/v1/meetings/{m1['id']}/close-agenda")
    cr.post(f"/api/v1/meetings/{m1['id']}/actions", json={"title": "Patrol schedule", "owner_centre": "TL",
                                                          "due": "2027-01-15"})
    m2 = tl.post("/api/v1/meetings", json={"partnership": "CR-TL", "starts_at": "2027-03-10T09:00:00+06:30",
                                           "venue": "Tachileik"}).json["id"]
    n = m1["number"]
    titles = [i["title"] for s in tl.get(f"/api/v1/meetings/{m2}/agenda").json["sections"] for i in s["items"]
              if i["kind"] == "minutes"]
    assert titles == [translated(demo, "my", "Adoption of the minutes of meeting no. %(number)s (%(year)s)",
                                 number=n, year="2026")]
    thai = unescape(signed_in("secretariat", "CR").get(f"/meetings/{m2}").get_data(as_text=True))
    assert translated(demo, "th", "Adoption of the minutes of meeting no. %(number)s (%(year)s)",
                      number=n, year="พ.ศ. 2569") in thai
    assert translated(demo, "th", "action of meeting no. %(number)s (%(year)s)", number=n, year="พ.ศ. 2569") in thai
