"""`{% menu "web/_menu_bar.html" %}`: a part of the menu, rendered once per distinct menu.

Every page draws the menu twice (the bar from lg up, the phone's tab bar and sheet), about a
hundred template nodes a page, and the result depends on nothing but the entries, their
URLs and which one is active — the same for every user of a role on every page of a section.
So each part is rendered once per distinct menu and process and then reused; the key is the
menu itself, so a user whose rights change gets a new menu, never another user's.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

KEPT = 512  # distinct (part, menu) pairs: roles × sections, far fewer in practice
_rendered: dict[tuple[str, tuple[Any, ...]], SafeString] = {}


def menu_key(nav: Any, phone_tabs: Any) -> tuple[Any, ...]:
    def entry(item: Any) -> tuple[Any, ...]:
        children = tuple((c.label, c.url) for c in item.children)
        return (item.label, item.url, item.active, children)

    return (tuple(entry(i) for i in nav or ()), tuple(entry(i) for i in phone_tabs or ()))


@register.simple_tag(takes_context=True)
def menu(context: Any, template_name: str) -> SafeString:
    nav, phone_tabs = context.get("nav"), context.get("phone_tabs")
    key = (template_name, menu_key(nav, phone_tabs))
    html = None if settings.DEBUG else _rendered.get(key)  # templates reload under DEBUG
    if html is None:
        html = mark_safe(  # noqa: S308 - rendered by an autoescaping template
            get_template(template_name).render({"nav": nav, "phone_tabs": phone_tabs})
        )
        if len(_rendered) < KEPT:
            _rendered[key] = html
    return html
