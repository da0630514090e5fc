"""Text extraction (documents.extraction): real files of every supported format, made here,
and hostile ones: bombs, damaged files, files whose name lies, parsers that hang, hoard
memory or crash. Each extraction runs in a real child process, as in production."""

from __future__ import annotations

import datetime
import json
import resource

import pytest
from django.utils.functional import Promise

from documents import extraction
from documents.extraction import DOCX, PPTX, XLSX, ExtractionFailed, UnsupportedType, extract
from network.uploads import sniff
from tests.documents import files

TITLE = "Procédure d'hygiène des mains"
PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"


@pytest.fixture
def limits(settings):
    """Changes RELAIS_LIMITS for one test: limits(extract_seconds=1)."""
    def change(**values):
        settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, **values}
    return change


@pytest.fixture
def hostile_parser(monkeypatch, tmp_path):
    """Reads PDFs with one of the misbehaving parsers of tests.documents.files."""
    def use(name):
        monkeypatch.setitem(extraction.PARSERS, PDF, f"tests.documents.files:{name}")
        return files.write_pdf(tmp_path / "any.pdf", [["anything"]])
    return use


def failure(path, content_type) -> ExtractionFailed:
    with pytest.raises(ExtractionFailed) as caught:
        extract(str(path), content_type)
    return caught.value


# --- Real files ---------------------------------------------------------------------------------

def test_pdf_pages_are_read_in_order_with_accents(tmp_path):
    path = files.write_pdf(tmp_path / "protocole.pdf", [
        [TITLE, "Friction hydro-alcoolique (30 s)"],
        ["Sepsis : antibiothérapie dans l'heure"],
    ])

    text = extract(str(path), PDF)

    assert text == (f"{TITLE}\nFriction hydro-alcoolique (30 s)\n\n"
                    "Sepsis : antibiothérapie dans l'heure")


def test_pdf_protected_by_an_empty_password_is_read(tmp_path):
    plain = files.write_pdf(tmp_path / "plain.pdf", [[TITLE]])
    path = files.encrypt_pdf(plain, tmp_path / "locked.pdf", password="")

    assert extract(str(path), PDF) == TITLE


def test_pdf_protected_by_a_password_gives_the_password_reason(tmp_path):
    plain = files.write_pdf(tmp_path / "plain.pdf", [[TITLE]])
    path = files.encrypt_pdf(plain, tmp_path / "locked.pdf", password="secret")

    error = failure(path, PDF)

    assert error.code == "encrypted"
    assert "password" in str(error.reason)


def test_docx_paragraphs_tables_and_header_are_read(tmp_path):
    path = files.write_docx(
        tmp_path / "procedure.docx", heading=TITLE,
        paragraphs=["Avant   tout contact\tavec le patient.", "Après le retrait des gants."],
        table=[["Étape", "Durée"], ["Friction", "30 s"]], header="PROC-HYG-012")

    text = extract(str(path), DOCX)

    assert text == (f"{TITLE}\nAvant tout contact avec le patient.\n"
                    "Après le retrait des gants.\nÉtape | Durée\nFriction | 30 s\n\nPROC-HYG-012")


def test_xlsx_cells_of_every_sheet_are_read(tmp_path):
    path = files.write_xlsx(tmp_path / "posologies.xlsx", {
        "Posologies": [["Médicament", "Dose (UI)", "Depuis"],
                       ["Héparine", 5000, datetime.datetime(2024, 3, 1)],
                       [None, None, None],
                       ["Insuline", 7.5, None]],
        "Hygiène": [[TITLE]],
    })

    text = extract(str(path), XLSX)

    assert text == ("Posologies\nMédicament | Dose (UI) | Depuis\n"
                    "Héparine | 5000 | 2024-03-01\nInsuline | 7.5\n\n"
                    f"Hygiène\n{TITLE}")


def test_pptx_slides_tables_and_notes_are_read(tmp_path):
    path = files.write_pptx(tmp_path / "formation.pptx", [
        {"title": "Hygiène des mains", "body": ["Avant le soin", "Après le soin"],
         "table": [["Moment", "Geste"], ["Entrée", "Friction"]],
         "notes": "Rappeler les cinq indications."},
        {"title": "Sepsis", "body": ["Antibiothérapie dans l'heure"]},
    ])

    text = extract(str(path), PPTX)

    assert text == ("Hygiène des mains\nAvant le soin\nAprès le soin\nMoment | Geste\n"
                    "Entrée | Friction\nRappeler les cinq indications.\n\n"
                    "Sepsis\nAntibiothérapie dans l'heure")


def test_odt_headings_spans_notes_and_tables_are_read(tmp_path):
    path = files.write_odt(
        tmp_path / "procedure.odt", heading=TITLE,
        paragraphs=['Friction <text:span text:style-name="b">hydro-alcoolique</text:span>'
                    '<text:s text:c="4"/>de 30 s.',
                    "Gants<text:note><text:note-body><text:p>Non stériles.</text:p>"
                    "</text:note-body></text:note> retirés.",
                    "Ligne<text:line-break/>suivante"],
        table=[["Étape", "Durée"], ["Séchage", "à l'air"]])

    text = extract(str(path), ODT)

    assert text == (f"{TITLE}\nFriction hydro-alcoolique de 30 s.\nNon stériles.\n"
                    "Gants retirés.\nLigne\nsuivante\nÉtape | Durée\nSéchage | à l'air")


def test_ods_rows_are_read_once_whatever_their_repetition(tmp_path):
    row = ('<table:table-row table:number-rows-repeated="1000000">'
           '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
    body = ('<table:table table:name="Posologies"><table:table-row>'
            "<table:table-cell><text:p>Héparine</text:p></table:table-cell>"
            '<table:table-cell office:value-type="float" office:value="5000">'
            "<text:p>5000</text:p></table:table-cell></table:table-row>"
            f"{row}</table:table>")
    path = files.write_odf(tmp_path / "posologies.ods", "ods", files.odf_content("ods", body))

    assert extract(str(path), ODS) == "Héparine | 5000"


def test_odp_text_boxes_are_read(tmp_path):
    body = ('<draw:page draw:name="1"><draw:frame><draw:text-box>'
            f"<text:p>{TITLE}</text:p><text:p>Cinq indications</text:p>"
            "</draw:text-box></draw:frame></draw:page>")
    path = files.write_odf(tmp_path / "formation.odp", "odp", files.odf_content("odp", body))

    assert extract(str(path), ODP) == f"{TITLE}\nCinq indications"


@pytest.mark.parametrize(("encoding", "prefix"), [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b""),
])
def test_text_files_are_decoded_from_their_encoding(tmp_path, encoding, prefix):
    path = tmp_path / "note.txt"
    path.write_bytes(prefix + f"{TITLE}\r\nDurée : 30 s, « friction »".encode(encoding))

    assert extract(str(path), "text/plain") == f"{TITLE}\nDurée : 30 s, « friction »"


def test_markdown_is_read_as_text(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(f"# {TITLE}\n\n- Friction\n- Séchage\n", encoding="utf-8")

    assert extract(str(path), "text/markdown; charset=utf-8") == (
        f"# {TITLE}\n\n- Friction\n- Séchage")


def test_csv_cells_are_read_whatever_the_separator(tmp_path):
    path = tmp_path / "posologies.csv"
    path.write_bytes('Médicament;Dose\n"Héparine; sodique";5000\n;\n'.encode("cp1252"))

    assert extract(str(path), "text/csv") == "Médicament | Dose\nHéparine; sodique | 5000"


def test_text_is_whitespace_normalised_and_stripped_of_control_characters(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("  Hygiène\x00 des\u00a0\u00a0mains  \n\n\n\n\tFriction\x07\n",
                    encoding="utf-8")

    assert extract(str(path), "text/plain") == "Hygiène des mains\n\nFriction"


# --- Limits on the output -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["txt", "pdf", "xlsx"])
def test_output_never_exceeds_extract_chars(tmp_path, limits, kind):
    limits(extract_chars=100)
    line = f"{TITLE}, friction de 30 secondes."
    if kind == "txt":
        path = tmp_path / "long.txt"
        path.write_text(f"{line}\n" * 10_000, encoding="utf-8")
        content_type = "text/plain"
    elif kind == "pdf":
        path = files.write_pdf(tmp_path / "long.pdf", [[line] * 40] * 50)
        content_type = PDF
    else:
        path = files.write_xlsx(tmp_path / "long.xlsx", {"Feuille": [[line, line]] * 200})
        content_type = XLSX

    text = extract(str(path), content_type)

    assert len(text) == 100
    assert text.startswith(TITLE) or text.startswith(f"Feuille\n{TITLE}")


def test_a_parser_that_never_stops_writing_is_cut_at_extract_chars(limits, hostile_parser):
    limits(extract_chars=1000)
    path = hostile_parser("parser_writes_forever")

    assert len(extract(str(path), PDF)) == 1000


# --- Hostile files ------------------------------------------------------------------------------

def test_zip_bomb_disguised_as_docx_is_refused_before_it_is_unpacked(tmp_path):
    path = files.write_docx_bomb(tmp_path / "rapport.docx", 1 << 30)  # 1 GB of zeros in 1 MB
    with path.open("rb") as upload:
        assert sniff(upload).content_type == DOCX

    error = failure(path, DOCX)

    # Refused by the directory check: neither the time nor the memory limit was reached.
    assert error.code == "zip_too_large"
    assert "200 MB" in str(error.reason)


def test_zip_part_packed_past_the_ratio_is_refused(tmp_path):
    path = files.write_docx_bomb(tmp_path / "rapport.docx", 8 << 20)  # 8 MB in 8 KB

    error = failure(path, DOCX)

    assert error.code == "zip_ratio"
    assert "100 times" in str(error.reason)


def test_zip_whose_directory_lies_about_sizes_is_never_unpacked(tmp_path):
    path = files.write_docx_bomb(tmp_path / "rapport.docx", 64 << 20, declared=1000)

    assert failure(path, DOCX).code == "damaged"


def test_zip_with_too_many_parts_is_refused(tmp_path, limits):
    path = files.write_docx(tmp_path / "court.docx", heading=TITLE, paragraphs=[],
                            table=[["a"]])
    limits(extract_zip_entries=5)

    error = failure(path, DOCX)

    assert error.code == "zip_entries"
    assert "5 parts" in str(error.reason)


def test_docx_with_entity_expansion_is_refused(tmp_path):
    source = files.write_docx(tmp_path / "source.docx", heading=TITLE, paragraphs=[],
                              table=[["a"]])
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lol">'
              + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">'
                         % ((98 + i,) + (97 + i,) * 10) for i in range(9))
              + b']><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p>'
                b"</w:body></w:document>")
    path = files.replace_member(source, tmp_path / "laughs.docx", "word/document.xml", laughs)

    assert failure(path, DOCX).code == "xml_dtd"


def test_dtd_in_a_part_named_as_an_image_but_declared_xml_is_refused(tmp_path):
    source = files.write_docx(tmp_path / "source.docx", heading=TITLE, paragraphs=[],
                              table=[["a"]])
    renamed = files.rename_docx_document(source, tmp_path / "renamed.docx")
    assert extract(str(renamed), DOCX) == f"{TITLE}\na"  # the library goes by the declared type
    path = files.rename_docx_document(
        source, tmp_path / "hidden.docx",
        prefix=b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>')

    assert failure(path, DOCX).code == "xml_dtd"


def test_odt_of_openoffice_3_with_a_dtd_in_its_manifest_is_read(tmp_path):
    path = files.write_odf(
        tmp_path / "ancien.odt", "odt", files.odf_content("odt", f"<text:p>{TITLE}</text:p>"),
        manifest_prolog='<!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD Manifest '
                        '1.0//EN" "Manifest.dtd">')

    assert extract(str(path), ODT) == TITLE


def test_odt_with_an_external_entity_is_refused(tmp_path):
    content = files.odf_content(
        "odt", "<text:p>&secret;</text:p>",
        prolog='<!DOCTYPE office:document-content [<!ENTITY secret SYSTEM "file:///etc/passwd">]>')
    path = files.write_odf(tmp_path / "xxe.odt", "odt", content)

    assert failure(path, ODT).code == "xml_dtd"


def test_truncated_pdf_gives_the_damaged_reason(tmp_path):
    whole = files.write_pdf(tmp_path / "whole.pdf", [[TITLE], ["Deuxième page"]]).read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])

    error = failure(path, PDF)

    assert error.code == "pdf_truncated"
    assert str(error.reason) == "The PDF is damaged: it ends before its last page."


def test_garbled_pdf_gives_the_damaged_reason(tmp_path):
    path = tmp_path / "garbled.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")

    assert failure(path, PDF).code == "pdf_damaged"


def test_broken_office_file_gives_the_damaged_reason(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    assert failure(path, DOCX).code == "damaged"


def test_file_named_pdf_that_is_text_is_read_as_text(tmp_path):
    path = tmp_path / "protocole.pdf"
    path.write_text(f"{TITLE}\n", encoding="utf-8")
    with path.open("rb") as upload:
        content_type = sniff(upload).content_type

    assert content_type == "text/plain"
    assert extract(str(path), content_type) == TITLE
    # Read as the PDF its name claims, it would only be damaged.
    assert failure(path, PDF).code == "damaged"


def test_file_named_txt_that_is_a_docx_is_read_as_docx(tmp_path):
    path = files.write_docx(tmp_path / "notes.txt", heading=TITLE, paragraphs=["Friction"],
                            table=[["30 s"]])
    with path.open("rb") as upload:
        content_type = sniff(upload).content_type

    assert content_type == DOCX
    assert extract(str(path), content_type) == f"{TITLE}\nFriction\n30 s"


@pytest.mark.parametrize("content_type", [
    "application/zip", "image/png", "application/octet-stream", "application/msword", "",
])
def test_unsupported_type_raises_unsupported_type_without_a_child(tmp_path, monkeypatch,
                                                                 content_type):
    path = tmp_path / "file.bin"
    path.write_bytes(b"\x00\x01")
    monkeypatch.setattr(extraction, "_run_worker", pytest.fail)

    with pytest.raises(UnsupportedType) as caught:
        extract(str(path), content_type)

    assert caught.value.code == "unsupported"
    assert not extraction.is_supported(content_type)


def test_missing_file_is_not_a_reason_shown_to_users(tmp_path):
    with pytest.raises(FileNotFoundError):
        extract(str(tmp_path / "gone.pdf"), PDF)


# --- Parsers that hang, hoard or crash ----------------------------------------------------------

def test_child_runs_under_the_memory_and_time_limits(limits, hostile_parser):
    limits(extract_seconds=7, extract_memory_mb=300)
    path = hostile_parser("parser_reports_limits")

    reported = json.loads(extract(str(path), PDF))

    assert reported["as"] == [300 * 1024 * 1024] * 2
    assert reported["cpu"] == [7, 8]
    assert reported["core"] == [0, 0]
    assert resource.getrlimit(resource.RLIMIT_AS) != tuple(reported["as"])  # the child only


@pytest.mark.parametrize("parser", ["parser_sleeps", "parser_spins"])
def test_parser_that_runs_forever_is_killed_at_the_time_limit(limits, hostile_parser, parser):
    limits(extract_seconds=1)
    path = hostile_parser(parser)

    error = failure(path, PDF)

    assert error.code == "timeout"
    assert "(1 s)" in str(error.reason)


def test_parser_that_allocates_too_much_is_stopped_at_the_memory_limit(limits, hostile_parser):
    limits(extract_memory_mb=200)
    path = hostile_parser("parser_hoards_memory")

    error = failure(path, PDF)

    assert error.code == "memory"
    assert "(200 MB)" in str(error.reason)


@pytest.mark.parametrize("parser", ["parser_crashes", "parser_exits"])
def test_parser_that_crashes_is_reported(hostile_parser, parser):
    path = hostile_parser(parser)

    assert failure(path, PDF).code == "crashed"


def test_parser_that_raises_reports_the_file_as_damaged(hostile_parser):
    path = hostile_parser("parser_fails")

    assert failure(path, PDF).code == "damaged"


def test_reasons_are_lazy_and_each_code_has_one(limits):
    limits(extract_memory_mb=123)

    for code in extraction.REASONS:
        reason = extraction.reason_for(code)
        assert isinstance(reason, Promise)
        assert str(reason).endswith(".")
    assert "123 MB" in str(extraction.reason_for("memory"))
    assert ExtractionFailed("no-such-code").code == "damaged"
