"""Icons of the library pages: a file's kind at a glance, folders, uploads."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from documents import filetypes

register = template.Library()

PAGE = ('<path class="file-icon-page" d="M8 2.5h11.5L27 10v18a1.5 1.5 0 0 1-1.5 1.5h-17A1.5 1.5 0 '
        '0 1 7 28V4a1.5 1.5 0 0 1 1-1.5z"/><path class="file-icon-fold" d="M19.5 2.5V10H27"/>')


@register.simple_tag
@functools.lru_cache(maxsize=128)
def file_icon(content_type: str, size: int = 32):
    """A page with a coloured band naming the kind of file (PDF, DOCX, PNG…)."""
    kind = filetypes.file_type(content_type)
    badge = (kind.extension or "file").upper()[:4]
    font = 7 if len(badge) <= 3 else 6
    return format_html(
        '<svg class="file-icon file-icon-{}" width="{}" height="{}" viewBox="0 0 32 32" '
        'aria-hidden="true" focusable="false">{}<rect class="file-icon-band" x="2" y="15" '
        'width="21" height="10" rx="2"/><text x="12.5" y="22.6" text-anchor="middle" '
        'font-size="{}" font-weight="700" font-family="system-ui, sans-serif">{}</text></svg>',
        kind.icon, int(size), int(size), mark_safe(PAGE), font, badge)  # noqa: S308 - a constant


@register.simple_tag
def folder_icon(size: int = 32):
    return format_html(
        '<svg class="folder-icon" width="{}" height="{}" viewBox="0 0 32 32" aria-hidden="true" '
        'focusable="false"><path d="M3 8.5A2.5 2.5 0 0 1 5.5 6h6.3l2.7 3h12a2.5 2.5 0 0 1 2.5 2.5'
        'v13A2.5 2.5 0 0 1 26.5 27h-21A2.5 2.5 0 0 1 3 24.5z"/></svg>', int(size), int(size))


@register.simple_tag
def upload_icon(size: int = 40):
    return format_html(
        '<svg class="upload-icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" '
        'aria-hidden="true" focusable="false"><path d="M12 16V4M7 9l5-5 5 5"/>'
        '<path d="M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"/></svg>', int(size), int(size))


@register.filter
def kind_label(content_type: str) -> str:
    return filetypes.label(content_type)
