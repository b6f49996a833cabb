"""Every report and export, rendered from the demo data, holds no member's
name, phone number or code: the pages, every drill-down, the donor report
(PDF, as text), the CSV and the Excel workbook."""
import io
import re

import pytest
from bs4 import BeautifulSoup

from app.auth.models import User
from app.members.models import Member
from app.reports import breakdowns, indicators, periods
from app.rules import today
from tests.factories import app_db
from tests.conftest import parse_html


@pytest.fixture
def demo(app):
    app.config["REPORTS_INLINE_SECONDS"] = 600
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "120", "--seed", "1"])
    assert result.exit_code == 0, result.output
    with app_db(app):
        staff_words = {w.lower() for u in User.select() for w in u.display_name.split()}
        forbidden = set()
        for m in Member.select():
            forbidden |= {m.code, m.legal_name, m.phone, m.phone.replace(" ", "")}
            if m.preferred_name.lower() not in staff_words:
                forbidden.add(m.preferred_name)
        forbidden.discard("")
    return forbidden


def _text_of(response) -> str:
    return parse_html(response).get_text(" ")


def _leaks(text: str, forbidden) -> list[str]:
    return sorted(word for word in forbidden if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def _download(client, url) -> bytes:
    response = client.post(url)
    assert response.status_code == 303, url
    job = response.headers["Location"]
    page = BeautifulSoup(client.get(job).data, "html.parser")
    link = page.find("a", attrs={"download": True})
    assert link is not None, page.get_text()[:400]
    return client.get(link["href"]).data


def test_no_report_or_export_names_anyone(app, client, login_as, demo, pdf_text):
    login_as("coordinator")
    last_quarter = periods.last_complete("quarter", today())
    texts = {}
    for key in (last_quarter.key, periods.containing("year", today()).key,
                periods.last_complete("fy", today()).key):
        response = client.get(f"/reports/?period={key}")
        assert response.status_code == 200
        texts[f"report {key}"] = _text_of(response)
    with app_db(app):
        shown = [(i.key, breakdowns.allowed(i)) for i in indicators.visible(
            User.get(User.username == "amina"))]
    for key, allowed in shown:
        for by in [(d,) for d in allowed] + ([allowed[:2]] if len(allowed) > 1 else []):
            url = f"/reports/indicators/{key}?period={last_quarter.key}&by={','.join(by)}"
            response = client.get(url)
            assert response.status_code == 200, url
            texts[url] = _text_of(response)
    for url in ("/reports/indicators", "/reports/quality",
                f"/reports/narratives?period={last_quarter.key}"):
        texts[url] = _text_of(client.get(url))
    export = f"/reports/export?period={last_quarter.key}"
    texts["pdf"] = pdf_text(_download(client, f"{export}&format=pdf&language=sw"))
    assert "Mwaka" in texts["pdf"] or "Robo" in texts["pdf"]       # in Swahili
    texts["csv"] = _download(client, f"{export}&format=csv&language=en").decode("utf-8-sig")
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(_download(client, f"{export}&format=xlsx&language=en")))
    texts["xlsx"] = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows()
                             for c in row if c.value is not None)
    assert "Members referred" in texts["csv"] and "Members referred" in texts["xlsx"]
    for where, text in texts.items():
        assert not _leaks(text, demo), (where, _leaks(text, demo)[:5])
