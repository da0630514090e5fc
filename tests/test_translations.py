"""French must stay complete: every string in the code has a French translation, compiled."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Every app (a folder with apps.py) and the templates: new apps are checked without a change.
SOURCE_DIRS = [*sorted(p.parent.name for p in ROOT.glob("*/apps.py")), "templates"]


def _unquote(line: str) -> str:
    return line[line.index('"') + 1: line.rindex('"')].encode().decode("unicode_escape").encode(
        "latin1").decode("utf-8")


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: enough to see every msgid, its translations and fuzzy flags."""
    entries, current, key = [], None, None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, key = None, None
            continue
        if current is None:
            current = {"flags": "", "msgid": "", "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            key = "msgctxt"
            current["msgctxt"] = _unquote(line)
        elif line.startswith("msgid_plural"):
            key = "msgid_plural"
            current["msgid_plural"] = _unquote(line)
        elif line.startswith("msgid"):
            key = "msgid"
            current["msgid"] = _unquote(line)
        elif line.startswith("msgstr"):
            match = re.match(r"msgstr(?:\[(\d+)\])?", line)
            key = ("msgstr", int(match.group(1) or 0))
            current["msgstr"][key[1]] = _unquote(line)
        elif line.startswith('"') and key is not None:
            if isinstance(key, tuple):
                current["msgstr"][key[1]] += _unquote(line)
            else:
                current[key] += _unquote(line)
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


def untranslated(entries):
    return [e["msgid"] for e in entries
            if "fuzzy" in e["flags"] or not all(e["msgstr"].values()) or not e["msgstr"]]


def test_every_french_entry_is_translated_and_not_fuzzy():
    assert untranslated(parse_po(PO)) == []


def test_compiled_catalogue_matches_the_translations():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in parse_po(PO):
        if "msgid_plural" in entry:
            assert catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr"][0]
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            assert catalogue.pgettext(entry["msgctxt"], msgid) == entry["msgstr"][0]
        else:
            assert catalogue.gettext(msgid) == entry["msgstr"][0], msgid


def test_no_string_in_the_code_is_missing_from_the_french_catalogue(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("gettext (xgettext) is required in CI to check translations")
        pytest.skip("gettext is not installed: cannot extract strings (CI checks this)")
    for name in [*SOURCE_DIRS, "locale"]:
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "network.settings", "PYTHONPATH": str(tmp_path),
           "RELAIS_VAR_DIR": str(tmp_path / "var")}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    missing = untranslated(parse_po(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    assert missing == [], "run `make messages` and translate these strings"
