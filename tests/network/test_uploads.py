import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from network.uploads import SNIFF_BYTES, sniff

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name="file.bin", content_type="application/octet-stream"):
    # The declared name and type are what a browser sends: sniff must ignore them.
    return SimpleUploadedFile(name, content, content_type=content_type)


def image_bytes(image_format, size=(4, 3), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "green").save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize(("image_format", "content_type"), [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp"),
])
def test_raster_images_are_recognised_by_content_with_their_size(image_format, content_type):
    sniffed = sniff(upload(image_bytes(image_format, size=(5, 7)), name="not-an-image.txt"))
    assert (sniffed.content_type, sniffed.is_image) == (content_type, True)
    assert (sniffed.width, sniffed.height) == (5, 7)


def test_other_image_formats_are_not_shown_inline():
    sniffed = sniff(upload(image_bytes("BMP"), name="scan.png"))
    assert sniffed.is_image is False
    assert sniffed.content_type == "application/octet-stream"


def test_an_executable_renamed_png_is_octet_stream():
    sniffed = sniff(upload(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(300), name="cat.png",
                           content_type="image/png"))
    assert (sniffed.content_type, sniffed.is_image) == ("application/octet-stream", False)


def test_a_truncated_png_is_not_an_image():
    sniffed = sniff(upload(image_bytes("PNG")[:40], name="broken.png"))
    assert sniffed.is_image is False


def test_pdf():
    sniffed = sniff(upload(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", name="a.doc"))
    assert (sniffed.content_type, sniffed.is_image) == ("application/pdf", False)


def test_docx_built_with_python_docx():
    from docx import Document

    document = Document()
    document.add_paragraph("Protocole d'hygiène des mains")
    buffer = io.BytesIO()
    document.save(buffer)
    assert sniff(upload(buffer.getvalue(), name="protocole.zip")).content_type == DOCX


def test_xlsx_and_opendocument_and_plain_zip():
    def archive(files):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zipped:
            for name, data in files.items():
                zipped.writestr(name, data)
        return buffer.getvalue()

    assert sniff(upload(archive({"xl/workbook.xml": "<x/>"}))).content_type == XLSX
    odt = "application/vnd.oasis.opendocument.text"
    assert sniff(upload(archive({"mimetype": odt, "content.xml": "<x/>"}))).content_type == odt
    assert sniff(upload(archive({"notes.txt": "hello"}))).content_type == "application/zip"
    assert sniff(upload(b"PK\x03\x04 not really a zip")).content_type == "application/zip"


def test_plain_text_including_accents():
    sniffed = sniff(upload("Température : 37,5 °C\n".encode(), name="notes.exe"))
    assert (sniffed.content_type, sniffed.is_image) == ("text/plain", False)


def test_text_whose_last_character_is_cut_by_the_sniffing_window_is_still_text():
    content = b"a" * (SNIFF_BYTES - 1) + "é".encode() + b" and more text"
    assert sniff(upload(content)).content_type == "text/plain"


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 4,
    b"\x00\x01\x02\x03",
    b"\xff\xfe\xfd",
    b"abc\xff\xfe",
])
def test_binary_is_octet_stream(content):
    assert sniff(upload(content)).content_type == "application/octet-stream"


@pytest.mark.parametrize("content", [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>',
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    b"<!doctype html><html><script>alert(1)</script></html>",
])
def test_svg_and_html_are_plain_text_never_images(content):
    sniffed = sniff(upload(content, name="logo.svg", content_type="image/svg+xml"))
    assert (sniffed.content_type, sniffed.is_image) == ("text/plain", False)


def test_sniffing_leaves_the_file_at_its_start():
    file = upload(image_bytes("PNG"))
    sniff(file)
    assert file.read(8) == b"\x89PNG\r\n\x1a\n"

