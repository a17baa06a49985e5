"""`{% evidence_media item %}`: a captured evidence image, blurred and greyscale until the analyst chooses to look."""

from __future__ import annotations

from typing import Any

from django import template

from abusedesk.shifts.media import image_type

register = template.Library()


@register.inclusion_tag("shifts/_evidence_media.html", takes_context=True)
def evidence_media(context: template.Context, item: Any) -> dict[str, Any]:
    media_type = image_type(item)
    if media_type is None:
        return {"show": False}
    panel = context.get("wellness")
    blur = panel.profile.blur_media if panel is not None else True  # no profile at hand: blurred
    revealed = panel is not None and str(item.pk) in panel.revealed
    return {"show": True, "item": item, "media_type": media_type, "blurred": blur and not revealed,
            "keep_grey": panel.profile.keep_greyscale if panel is not None else False,
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}
