"""A case worker opens a case for a person with a Burmese name, attaches a photo and finds the case
again by searching, once in the Thai interface (Chiang Rai) and once in the Burmese one (Tachileik)."""
import re

import pytest
from PIL import Image

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PEOPLE = {
    "th": ("CR", "မောင်မောင်ထွန်း", "Maung Maung Tun", "ေမာင္ေမာင္ထြန္း"),
    "my": ("TL", "နန်းဆုမြတ်", "Nang Su Myat", None),
}


def _photo(tmp_path):
    img = Image.new("RGB", (120, 90), "teal")
    exif = Image.Exif()
    exif[0x010F] = "BrowserCanaryCam"
    path = tmp_path / "photo.jpg"
    img.save(path, "JPEG", exif=exif)
    return path


@pytest.mark.parametrize("lang", ["th", "my"])
def test_open_attach_and_find_a_case(page, base_url, artifacts, tmp_path, lang):
    centre, name, latin, zawgyi = PEOPLE[lang]
    sign_in(page, base_url, "case", centre)
    assert page.locator("html").get_attribute("lang") == lang

    page.locator('nav a[href="/cases/"]').click()
    page.locator('a[href="/cases/new"]').click()
    page.locator("#full_name").fill(name)
    page.locator("#latin_name").fill(latin)
    page.locator("#sex").select_option("female")
    page.locator("#nationality").select_option("MM")
    page.locator("#exploitation_types-0").check() if page.locator("#exploitation_types-0").count() else None
    page.locator("form.case-form button.primary").click()
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}$"))
    assert page.get_by_test_id("case-name").inner_text() == name
    number = page.get_by_test_id("case-number").inner_text()
    assert re.fullmatch(rf"{centre}-\d{{4}}(/\d{{2}})?-\d{{4}}", number)  # the centre's own fiscal year

    page.locator("input[type=file]").set_input_files(str(_photo(tmp_path)))
    page.locator('form[enctype="multipart/form-data"] button').click()
    page.wait_for_load_state()
    link = page.get_by_test_id("attachments").locator("a").first
    assert link.inner_text() == "photo.jpg"
    with page.expect_download() as info:
        link.click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xff\xd8") and b"BrowserCanaryCam" not in data

    for query in (latin.lower(), name) + ((zawgyi,) if zawgyi else ()):
        page.locator('nav a[href="/cases/"]').click()
        page.locator("#q").fill(query)
        page.locator("form.search button").click()
        page.wait_for_load_state()
        assert "q=" not in page.url  # the search term never goes into the address
        rows = page.get_by_test_id("case-list").locator("tbody tr")
        assert rows.count() == 1 and name in rows.first.inner_text(), query
    page.screenshot(path=str(artifacts / f"case-search-{lang}.png"), full_page=True)
    rows.first.locator("a").first.click()
    assert page.get_by_test_id("case-number").inner_text() == number
    page.screenshot(path=str(artifacts / f"case-{lang}.png"), full_page=True)
