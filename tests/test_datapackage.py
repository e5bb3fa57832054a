"""Each edition's data as a Frictionless Data Package, generated from the YAML metadata, published with the book."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import FULL_EDITION, REPO
from helpers.datapackage import write_package, zip_name
from helpers.project import Project

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def validate(descriptor: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(FRICTIONLESS), "validate", str(descriptor.name)], cwd=descriptor.parent,
                          capture_output=True, text=True, timeout=600)


def test_the_published_package_validates_and_is_linked(real_book):
    data = real_book / "data"
    done = validate(data / "datapackage.json")
    assert done.returncode == 0, done.stdout[-3000:]
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        header = next(csv.reader((data / resource["path"]).open(encoding="utf-8")))
        assert [f["name"] for f in resource["schema"]["fields"]] == header, resource["name"]  # CSV column order
    indicators = next(r for r in package["resources"] if r["name"] == "indicators")
    assert indicators["schema"]["primaryKey"] == ["section", "indicator", "ref_period"]
    assert {"fields": "source", "reference": {"resource": "sources", "fields": "id"}} in indicators["schema"]["foreignKeys"]
    outcomes = next(r for r in package["resources"] if r["name"] == "framework-outcomes")
    assert {"fields": "work_area", "reference": {"resource": "framework-work-areas", "fields": "work_area"}} \
        in outcomes["schema"]["foreignKeys"]
    assert "reused" in package["licenses"][0]["title"]
    with zipfile.ZipFile(data / zip_name(FULL_EDITION)) as zf:
        names = set(zf.namelist())
    assert "datapackage.json" in names and {r["path"] for r in package["resources"]} <= names
    soup = BeautifulSoup((real_book / "book/data_dictionary.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in soup.select(".rb-package a")}
    assert hrefs == {"../data/datapackage.json", f"../data/{zip_name(FULL_EDITION)}"}


def test_a_broken_package_fails_validation(real_book, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(real_book / "data", copy)
    path = copy / f"{FULL_EDITION}/outcomes.csv" if (copy / f"{FULL_EDITION}/outcomes.csv").exists() else \
        next(copy.glob("frameworks/*/outcomes.csv"))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][rows[0].index("work_area")] = "9"  # a work area that does not exist
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    assert validate(copy / "datapackage.json").returncode != 0


@pytest.mark.parametrize("year", [2023])
def test_a_partial_edition_packages_too(tmp_path, year):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    write_package(Project(REPO), year, data)
    done = validate(data / "datapackage.json")
    assert done.returncode == 0, done.stdout[-3000:]
