"""Every write to the document libraries: uploads, versions, changes, the trash, folders and
the text read from files.

Each service checks permission, runs in one transaction and registers its events (and the
text extraction task) on commit. Files are written to storage inside the transaction and
removed again if it fails, so a failed upload leaves nothing behind. Callers import from here
(``from documents import services``); the writes live in:

- ``uploads``: new documents, new versions, files attached to posts and messages, and
  ``removing_files_on_failure`` around any transaction that stores files;
- ``edits``: renaming, describing and moving a document;
- ``trash``: moving documents (and a deleted post's or message's files) to the trash,
  restoring them, purging them when their time is up;
- ``folders``: creating, renaming and deleting folders; each group's Attachments folder;
- ``text_extraction``: reading and storing the text of a version (run by a task);
- ``checks``: checks on uploaded files and their names, shared by the above;
- ``_common``: limits, the file storage, clean text, the folder-in-this-library check.

A test that replaces a helper must patch it in the module that calls it (for example
``documents.services.uploads._store_version``): the names below are only re-exports.
"""

from documents.services.checks import (
    NAME_MAX,
    CheckedFile,
    FileTooLarge,
    check_file,
    check_files,
    clean_file_name,
    size_in_mb,
)
from documents.services.edits import (
    UNCHANGED,
    describe_document,
    move_document,
    rename_document,
    update_document,
)
from documents.services.folders import (
    FOLDER_NAME_MAX,
    attachments_folder,
    create_folder,
    delete_folder,
    rename_folder,
)
from documents.services.text_extraction import EXTRACTION_ERROR_MAX, extract_text
from documents.services.trash import (
    purge_trash,
    restore_document,
    trash_attachments,
    trash_document,
)
from documents.services.uploads import (
    UploadResult,
    add_version,
    attach_files,
    check_attachments,
    removing_files_on_failure,
    upload_documents,
)

__all__ = [
    "EXTRACTION_ERROR_MAX",
    "FOLDER_NAME_MAX",
    "NAME_MAX",
    "UNCHANGED",
    "CheckedFile",
    "FileTooLarge",
    "UploadResult",
    "add_version",
    "attach_files",
    "attachments_folder",
    "check_attachments",
    "check_file",
    "check_files",
    "clean_file_name",
    "create_folder",
    "delete_folder",
    "describe_document",
    "extract_text",
    "move_document",
    "purge_trash",
    "removing_files_on_failure",
    "rename_document",
    "rename_folder",
    "restore_document",
    "size_in_mb",
    "trash_attachments",
    "trash_document",
    "update_document",
    "upload_documents",
]
