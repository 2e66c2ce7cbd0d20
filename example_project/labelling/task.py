"""The task a worker sees: an HTMLQuestion whose form posts to MTurk's externalSubmit.

The page follows MTurk's own HTMLQuestion template: the form's ``action`` and its hidden
``assignmentId`` come from the query string MTurk adds to the page's URL (``turkSubmitTo``,
``assignmentId``); while a worker only previews the HIT (``ASSIGNMENT_ID_NOT_AVAILABLE``) the
submit button stays disabled. Each image is one radio group named ``label-<item_id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from labelling.items import LABELS, Item

HTML_QUESTION_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
)
FIELD_PREFIX = "label-"

TITLE = "Label pet photos: cat, dog, bird or other"
DESCRIPTION = "Look at a few photos and say which animal each one shows. Takes about a minute."
KEYWORDS = "image, labelling, animals, pets, photo, classification"

_SCRIPT = """
  const params = new URLSearchParams(window.location.search);
  const assignmentId = params.get("assignmentId") || "ASSIGNMENT_ID_NOT_AVAILABLE";
  document.getElementById("assignmentId").value = assignmentId;
  if (params.get("turkSubmitTo")) {
    document.getElementById("mturk_form").action =
      params.get("turkSubmitTo") + "/mturk/externalSubmit";
  }
  if (assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE") {
    document.getElementById("submitButton").disabled = true;
    document.getElementById("submitButton").value = "Accept the HIT to start";
  }
"""


def field_name(item_id: str) -> str:
    return FIELD_PREFIX + item_id


def item_of(field: str) -> str | None:
    """The item id a form field answers, or None for another field."""
    return field[len(FIELD_PREFIX) :] if field.startswith(FIELD_PREFIX) else None


def page_html(page: Sequence[Item], worker_site: str) -> str:
    """The HTML document of one page of images."""
    blocks = []
    for number, item in enumerate(page, start=1):
        name = escape(field_name(item.item_id))
        choices = "\n".join(
            f'      <label><input type="radio" name="{name}" value="{label}" required> '
            f"{label.capitalize()}</label>"
            for label in LABELS
        )
        blocks.append(
            f"    <fieldset>\n"
            f"      <legend>Photo {number}</legend>\n"
            f'      <img src="{escape(item.image_url)}" alt="photo {number}" width="320">\n'
            f"{choices}\n"
            f"    </fieldset>"
        )
    body = "\n".join(blocks)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(TITLE)}</title>
</head>
<body>
  <p>Which animal does each photo show? Choose <em>other</em> when it shows none of them.</p>
  <form name="mturk_form" method="post" id="mturk_form"
        action="{escape(worker_site)}/mturk/externalSubmit">
    <input type="hidden" value="" name="assignmentId" id="assignmentId">
{body}
    <p><input type="submit" id="submitButton" value="Submit"></p>
  </form>
  <script>{_SCRIPT}</script>
</body>
</html>
"""


def html_question(page: Sequence[Item], worker_site: str, frame_height: int = 0) -> str:
    """The HIT's ``Question``: an HTMLQuestion document holding :func:`page_html`."""
    html = page_html(page, worker_site)
    return (
        f'<HTMLQuestion xmlns="{HTML_QUESTION_NS}">\n'
        f"  <HTMLContent><![CDATA[\n{html}]]></HTMLContent>\n"
        f"  <FrameHeight>{frame_height}</FrameHeight>\n"
        f"</HTMLQuestion>"
    )
