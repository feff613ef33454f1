"""Where files live: each kind of stored file in a folder of its own, and the move of the
rectification proof that used to share the assessments' evidence folder."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from dangjian.assessments.models import EvidenceFile, RectificationEvidence
from dangjian.core.models import StoredFile
from dangjian.core.scoping import SYSTEM

from . import factories
from .factories import make_finding, pdf_upload

pytestmark = pytest.mark.django_db
people = factories.people

migration = importlib.import_module(
    "dangjian.assessments.migrations.0002_rectification_files_folder"
)


def test_every_kind_of_stored_file_has_a_folder_of_its_own():
    folders = {
        model: model.storage_folder for model in apps.get_models() if issubclass(model, StoredFile)
    }
    assert RectificationEvidence in folders and EvidenceFile in folders
    assert all(folders.values()), folders
    assert len(set(folders.values())) == len(folders), folders


def test_existing_rectification_files_move_to_their_own_folder(tree, settings, tmp_path):
    from dangjian.assessments import services

    settings.DATA_DIR = tmp_path
    r = make_finding(tree.branch_a, raised_by=tree.root).rectification
    proof = services.add_rectification_file(SYSTEM, r, pdf_upload())
    # as the code before this change stored it: in the assessments' evidence folder
    old_dir = tmp_path / "files" / "assessments"
    old_dir.mkdir(parents=True)
    (RectificationEvidence.storage_dir() / proof.stored_name).rename(old_dir / proof.stored_name)
    other = old_dir / "evidence-of-an-assessment.pdf"  # not a rectification file: stays
    other.write_bytes(b"%PDF-1.4")

    assert migration.move(apps, "assessments", "rectifications") == 1
    assert proof.open_stored() is not None and not (old_dir / proof.stored_name).exists()
    assert other.is_file()
    # a re-run (say the migration was interrupted and run again) moves nothing twice
    assert migration.move(apps, "assessments", "rectifications") == 0
    assert proof.open_stored() is not None
    # and it is reversible
    migration.backwards(apps, None)
    assert (old_dir / proof.stored_name).is_file() and proof.open_stored() is None


def test_withdrawing_a_finding_removes_its_rectification_proof_from_disk(
    client, tree, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    from dangjian.assessments import services
    from dangjian.assessments.models import Finding

    settings.DATA_DIR = tmp_path
    finding = make_finding(tree.branch_a, raised_by=tree.root)
    proof = services.add_rectification_file(SYSTEM, finding.rectification, pdf_upload())
    path = RectificationEvidence.storage_dir() / proof.stored_name
    assert path.is_file()
    client.force_login(people.committee)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/findings/{finding.pk}/").status_code == 204
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert not RectificationEvidence.objects.filter(pk=proof.pk).exists()
    assert not path.exists()  # no orphan left in the rectifications folder
