"""Case files. Every function takes the caller; permission and centre scoping are checked here,
decryption happens through the Vault (which records the read), and writes flush, never commit.

Another centre's case, and an erased case, are "not found" for everyone, whatever their role.
The modules by sub-area: _access (roles, scoping, the vault), records (open, read, change),
lists (lists, search, the group picker), files (notes, attachments), erasure (timeline, erasure)."""
from ._access import (GROUPS_BY_ROLE, IDENTITY_FIELDS, PAGE_SIZE, READ_ROLES, SORTS, VIEW_ROLES, WRITE_ROLES,
                      case_vault, reach_case, visible_fields, visible_groups)
from .erasure import erase_case, timeline
from .files import add_attachment, add_note, list_attachments, read_attachment, read_notes
from .lists import (CasePage, CaseRow, assignable_users, assigned_to_me, count_by_status, find_for_picker,
                    list_cases, picker, rows_by_ids, search)
from .records import create_case, current_for_conflict, read_case, reindex, update_case

__all__ = [
    "GROUPS_BY_ROLE", "IDENTITY_FIELDS", "PAGE_SIZE", "READ_ROLES", "SORTS", "VIEW_ROLES", "WRITE_ROLES",
    "CasePage", "CaseRow", "add_attachment", "add_note", "assignable_users", "assigned_to_me", "case_vault",
    "count_by_status",
    "create_case", "current_for_conflict", "erase_case", "find_for_picker", "list_attachments", "list_cases",
    "picker", "reach_case", "read_attachment", "read_case", "read_notes", "reindex", "rows_by_ids", "search", "timeline",
    "update_case", "visible_fields", "visible_groups",
]
