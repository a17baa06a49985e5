"""Which captured evidence is an image the console may show, decided from the bytes themselves.

Only four raster formats are shown, recognised by their signature, whatever the site declared: an SVG or an
HTML page labelled `image/png` is never served as an image (SVG can carry script). Pages are shown as their
extracted text only, never rendered, so there is no HTML preview to blur.
"""

from __future__ import annotations

from typing import Any

SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
              (b"GIF89a", "image/gif"))
# Declared types worth opening the (encrypted) body to look at; a page declared text/html is not.
MAYBE_IMAGE = ("image/", "application/octet-stream", "binary/octet-stream")


def sniff(head: bytes) -> str | None:
    """The image type of a body starting with `head`, or None."""
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _declared(headers: Any) -> str:
    if not isinstance(headers, dict):
        return ""
    value = next((v for k, v in headers.items() if str(k).lower() == "content-type"), "")
    return str(value).split(";", 1)[0].strip().lower()


def image_type(item: Any) -> str | None:
    """The image type of a captured Evidence row's body, or None when it is not one we show."""
    if item.status != "captured" or (isinstance(item.headers, dict) and item.headers.get("kind")):
        return None
    declared = _declared(item.headers)
    if declared and not declared.startswith(MAYBE_IMAGE):
        return None
    return sniff(bytes(item.body or b"")[:16])
