"""What the report form's review step tells residents will be public of their report, before
they send it: the hub publishes what its category allows (`ReportCategory.public`, applied on
the hub by hub.reports.disclosure) to anyone, through Open311 and the receipt's status page.

Sentences are message ids, said in the visitor's language by the screen.
"""

from __future__ import annotations

from kiosk_core.content.model import ReportPublicity
from kiosk_core.i18n import N_

PLACE = {
    "rough": N_(
        "Published on the internet: the category, the status, the town hall's answer and "
        "the place to within about 100 m."
    ),
    "exact": N_(
        "Published on the internet: the category, the status, the town hall's answer and "
        "the exact place."
    ),
    "none": N_("Published on the internet: the category, the status and the town hall's answer."),
}
DESCRIPTION = {
    "after_review": N_(
        "Your description is published only if the town hall decides so after reading it."
    ),
    "never": N_("Your description is never published."),
}
CONTACT = N_("Your name, e-mail and phone are never published.")


def public_notice(rules: ReportPublicity) -> list[str]:
    """The sentences that say what of a report in a category with these rules is public."""
    return [PLACE[rules.place], DESCRIPTION[rules.description], CONTACT]
