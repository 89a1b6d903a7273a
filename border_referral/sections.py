"""Pages that gather sections from the features: the case page and the home page.

A page never imports the features that fill it. A feature registers its section at import, with a
template of its own and a context function that is one of its services (it checks what the caller
may see and returns a dict, or None to show nothing):

    case_page.register("referrals", order=20, template="referrals/_case_section.html", context=fn)
        fn(session, actor, case) -> dict | None
    home_page.register("referrals", order=20, template="referrals/_home_section.html", context=fn)
        fn(session, actor) -> dict | None

The page includes each template with the dict as `section`, in the order given."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    template: str
    context: Callable


class Sections:
    def __init__(self, page: str):
        self.page = page
        self._sections: dict[str, Section] = {}

    def register(self, name: str, *, order: int, template: str, context: Callable) -> None:
        """Idempotent: registering the same name again replaces the section."""
        self._sections[name] = Section(name, order, template, context)

    def gather(self, *args) -> list[tuple[Section, dict]]:
        out = []
        for sec in sorted(self._sections.values(), key=lambda s: (s.order, s.name)):
            data = sec.context(*args)
            if data is not None:
                out.append((sec, data))
        return out


case_page = Sections("case")
home_page = Sections("home")
