"""The printable questionnaire (HTML) and the `ktm questionnaire` command."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import survey
from ktm.cli import main
from survey.printable import condition_in_words, render_html

ELOKET = Path(__file__).resolve().parents[2] / "data" / "questionnaire" / "eloket.yaml"
VOID = {"meta", "br", "img", "input", "hr", "link"}


class _Checker(HTMLParser):
    """Collects text, checks that tags nest properly, and records external references."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.external: list[str] = []
        self.sections = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.external.append(attrs[key])
        if tag == "section":
            self.sections += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check(html: str) -> _Checker:
    c = _Checker()
    c.feed(html)
    c.close()
    assert c.stack == [], c.stack
    return c


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_text_of_the_language_is_printed(eloket, lang):
    html = render_html(eloket, lang)
    c = check(html)
    text = " ".join(" ".join(c.text).split())
    other = "en" if lang == "nl" else "nl"
    for item in eloket.items():
        assert " ".join(item.label[lang].split()) in text
        if item.label[other] != item.label[lang]:
            assert item.label[other] not in text
        for _code, label in eloket.choice_options(item):
            assert label[lang] in text
    assert c.external == []  # self-contained: no scripts, fonts or images to fetch
    assert c.sections == len(eloket.sections)
    assert html.count("page-break-before: always") == 1  # one CSS rule, every section but the first
    assert f'content="{eloket.hash}"' in html


def test_routing_in_words(eloket):
    nl = render_html(eloket, "nl")
    assert (
        "Beantwoord deze vraag alleen als u bij vraag 1 «Een stagerapport indienen» hebt aangekruist."
        in nl
    )
    assert "Beantwoord deze vraag alleen als u bij vraag 16 «Ja» hebt geantwoord." in nl
    assert "Vul dit deel alleen in als u geen persoonlijke uitnodiging hebt gekregen." in nl
    en = render_html(eloket, "en")
    assert "Answer this question only if you answered “Yes” to question 16." in en
    assert "Fill in this part only if you did not tick “None of these" in en


def test_condition_in_words_for_other_shapes(eloket):
    assert condition_in_words(eloket, "count-selected(${procedures}) >= 2", "nl") == (
        "u bij vraag 1 minstens 2 antwoorden hebt aangekruist"
    )
    assert condition_in_words(eloket, "${tevredenheid} < 6 and ${kende_papier} != 'ja'", "en") == (
        "your answer to question 18 is less than 6 and you did not answer “Yes” to question 16"
    )


def test_annex_shows_variable_names(eloket):
    html = render_html(eloket, "en", annex=True)
    assert "variable: umux" in html and "umux_2" in html and "dimension: globaal" in html
    assert "variable:" not in render_html(eloket, "en")


def test_unknown_language_is_refused(eloket):
    with pytest.raises(ValueError, match="language 'fr'"):
        render_html(eloket, "fr")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium")
def test_chromium_prints_it_to_pdf_on_several_pages(eloket, tmp_path):
    src = tmp_path / "nl.html"
    src.write_text(render_html(eloket, "nl"), encoding="utf-8")
    pdf = tmp_path / "nl.pdf"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
         "--no-pdf-header-footer", src.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages >= len(eloket.sections)


# --- the command --------------------------------------------------------------------------


def test_cli_validate_ok(capsys):
    assert main(["questionnaire", "validate", str(ELOKET)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "28 antwoordkolommen / answer columns" in out


def test_cli_validate_lists_every_error_and_fails(tmp_path, capsys):
    text = ELOKET.read_text(encoding="utf-8")
    text = text.replace("type: ces", "type: nps").replace(
        "relevant: ${kende_papier} = 'ja'", "relevant: ${kende_papier = 'ja'"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    assert main(["questionnaire", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "2 errors" in err
    line_ces = next(n for n, ln in enumerate(text.splitlines(), 1) if "type: nps" in ln)
    assert f"line {line_ces} (item 'ces') [type]: unknown item type 'nps'" in err
    assert "[relevant]: syntax error" in err


def test_cli_conversions_and_hash(tmp_path, capsys):
    xlsx, back = tmp_path / "e.xlsx", tmp_path / "e.yaml"
    assert main(["questionnaire", "to-xlsform", str(ELOKET), str(xlsx)]) == 0
    assert main(["questionnaire", "from-xlsform", str(xlsx), str(back)]) == 0
    capsys.readouterr()
    hashes = []
    for f in (ELOKET, xlsx, back):
        assert main(["questionnaire", "hash", str(f)]) == 0
        hashes.append(capsys.readouterr().out.strip())
    assert len(set(hashes)) == 1 and len(hashes[0]) == 64
    # No silent overwrite.
    assert main(["questionnaire", "to-xlsform", str(ELOKET), str(xlsx)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert main(["questionnaire", "to-xlsform", str(ELOKET), str(xlsx), "--force"]) == 0


def test_cli_print(tmp_path):
    out = tmp_path / "en.html"
    assert main(["questionnaire", "print", str(ELOKET), "--lang", "en", "--out", str(out)]) == 0
    assert "How satisfied are you with the e-loket" in out.read_text(encoding="utf-8")
    assert main(["questionnaire", "print", str(ELOKET), "--lang", "fr", "--out", str(out)]) == 2


def test_cli_missing_file(capsys):
    assert main(["questionnaire", "hash", "nope.yaml"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_failed_conversion_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert main(["questionnaire", "to-xlsform", str(bad), str(out)]) == 1
    assert not out.exists()
    assert isinstance(survey.load_questionnaire(ELOKET), survey.Questionnaire)
