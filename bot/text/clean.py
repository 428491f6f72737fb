"""Stage 2, clean: strip site furniture so only article prose reaches the splitter.

Scraped pages carry their site around them: share prompts, sign-up boxes, promo headlines
inserted between paragraphs, photo captions, comment widgets and a sidebar of other stories.
Rules here work on source lines (each line is its own paragraph) and, after splitting, on
single sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.text.furniture import ends_article, is_furniture

# A short standalone line matching one of these ends the article: what follows is the site, not
# the story. Only the whole line counts ("No comments were made" is news; "No comments:" isn't).
_TAIL_MARKERS = re.compile(
    r"^\s*(like us on facebook\b.*|(previous|next) (story|article)|just posted|"
    r"(no|\d+) comments?|post a comment|be among the first to know|"
    r"related (stories|articles|coverage|content|links)|more stories( from .*)?|"
    r"recommended for you|you may also like|trending now|most read|"
    r"leave a (comment|reply)|see more photos)\s*[:.!]?\s*$",
    re.IGNORECASE,
)
# Furniture is short: a site's prompts, captions and promo lines run to a few dozen words. A
# longer line is article text whatever it mentions (a story about Getty Images, a privacy policy).
FURNITURE_MAX_WORDS = 40
# A tail marker is a heading or a button: a line of a few words.
_TAIL_MAX_WORDS = 12

# Promo and navigation lines inserted into the body: "ALERT: ...", "Read more: ...".
_PROMO_PREFIX = re.compile(
    r"^\s*(alert|read more|read also|also read|see also|watch|listen|related|breaking|"
    r"recommended|more|trending|sponsored|advertisement|editor'?s pick)\s*[:|\-–—]",
    re.IGNORECASE,
)

# Phrases that only occur in site furniture, never in reporting prose, each with a clue: a
# piece of text every match holds once case-folded (see ``_fold``). Python's re cannot skip
# ahead through an alternation, so searching a line for all phrases costs ~100 us; looking
# for the clues first (a C substring search each) leaves a phrase search to the few lines that
# hold one. Written in lower case so a search of folded text finds what a case-blind one does.
_BOILERPLATE_PHRASES = (
    ("like us on facebook", r"like us on facebook"),
    ("follow us on ", r"follow us on (twitter|facebook|instagram|x\b)"),
    # Sign-up and subscription prompts, not news about signing up: the imperative that opens a
    # line, or the site's own offer ("sign up for our newsletter", "a free account").
    ("sign up", r"^[^\w]*(please )?sign up\b"),
    ("sign up ", r"\bsign up (for|to) (our|a free|the free)\b"),
    ("sign up with ", r"\bsign up with (google|facebook|apple|email)\b"),
    ("subscribe", r"^[^\w]*subscribe\b"),
    ("subscribe ", r"\bsubscribe (now|today|to our)\b"),
    ("newsletter", r"\bnewsletter\b.*\binbox\b"),
    ("check your inbox", r"check your inbox"),
    ("recaptcha", r"recaptcha"),
    # A site's policy notice, not a report about a company's policy.
    ("privacy policy", r"\b(our|google) privacy policy\b"),
    ("privacy policy ", r"privacy policy (and|&) terms"),
    ("terms of ", r"terms of (service|use) apply"),
    ("terms of ", r"^[^\w]*terms of (service|use)[^\w]*$"),
    ("reset your password", r"reset your password"),
    ("t have an account", r"don'?t have an account"),
    ("click here", r"click here"),
    ("post a comment", r"post a comment"),
    ("all rights reserved", r"all rights reserved"),
    ("photo", r"^\s*(photo|file photo)\s*:"),
    ("image", r"^\s*image\s*:"),
    ("video", r"^\s*video\s*:"),
    ("photo ", r"\bphoto (by|contributed|supplied|courtesy)\b"),
    # A photo credit ("Jane Doe/Getty Images", "(Getty Images)"), not news about the agency.
    ("getty images", r"[/(]\s*getty images\b"),
    ("getty images", r"\b(via|photo:|credit:|images?:) getty images\b"),
    ("getty images", r"\bgetty images\s*\)?\s*$"),
    ("(ap photo", r"\(ap photo"),
    ("reuters)", r"/ ?reuters\)"),
    ("share this ", r"share this (article|story)"),
    ("cookie", r"cookies? (policy|settings)"),
    ("enable javascript", r"enable javascript"),
    ("advertisement", r"^\s*advertisement\s*$"),
)
_BOILERPLATE_CLUES = tuple((clue, re.compile(phrase)) for clue, phrase in _BOILERPLATE_PHRASES)
# The clues no other clue is part of, in order: one of them is in any text that holds a clue.
_SHORTEST_CLUES = tuple(
    dict.fromkeys(
        clue
        for clue, _ in _BOILERPLATE_PHRASES
        if not any(other != clue and other in clue for other, _ in _BOILERPLATE_PHRASES)
    )
)
# The plain rule, all phrases in one case-blind search: what the clues must decide exactly as.
_BOILERPLATE_SOURCE = f"({'|'.join(phrase for _, phrase in _BOILERPLATE_PHRASES)})"
_BOILERPLATE = re.compile(_BOILERPLATE_SOURCE, re.IGNORECASE)
# The characters outside ASCII that a case-blind search takes for ASCII letters (besides
# U+212A KELVIN SIGN, which ``str.lower`` already turns into "k").
_FOLD_TO_ASCII = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"))

# Markup left behind by the scraper: stray emphasis stars.
_STRAY_MARKUP = re.compile(r"\*+")
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*)$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# In a printable line (no controls, format marks or separators but the space) the only spaces.
_PRINTABLE_SPACES = re.compile(r" {2,}")
# Everything but printable ASCII and the newline: the only characters ``normalize`` looks at.
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\n]+")
# Bytes that are not lower-case ASCII letters (nor any byte of a longer UTF-8 sequence).
_NOT_ASCII_LOWER = bytes(b for b in range(256) if not 0x61 <= b <= 0x7A)
# ASCII bytes that are not letters, and not upper-case letters, to count letters in C.
_ASCII_NOT_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())
_ASCII_NOT_UPPER = bytes(b for b in range(128) if not chr(b).isupper())
# Wire copy: a dateline "CITY (AP) _ " opening the story; an underscore set between spaces as a
# dash; and pick-up or length markers for editors ("3rd graf pvs", "(MORE)", "(END OPTIONAL
# TRIM)", "(STORY CAN END HERE ...)") that sit inside or at the end of the text.
_WIRE_DATELINE = re.compile(
    r"^[A-Z][A-Za-z.'\u2019 -]{1,40}(, [A-Z][A-Za-z. ]{1,20})?\s*"
    r"\((AP|UPI|AFP|Reuters|Xinhua|XINHUA|NYT|LAT-WP)\)\s*([_\u2014\u2013]|--?)?\s*"
)
# A dateline without an agency, opening an article's first paragraph: one to four capitalised
# words, an optional region after a comma, then a spaced en or em dash before a capitalised
# sentence ("London, England — For the second time ...", "TEXAS, US – A United States ...").
_PLACE_DATELINE = re.compile(
    r"^(?:[A-Z][\w.'\u2019-]*\s){0,3}[A-Z][\w.'\u2019-]*"
    r"(?:,(?:\s[A-Z][\w.'\u2019-]*){1,3})?\s[\u2013\u2014]\s(?=[A-Z\"\u201c])"
)
_WIRE_DASH = re.compile(r" _(?= )")
_WIRE_TRAILER = re.compile(
    r"\s*\b\d+(?:st|nd|rd|th) grafs? pvs(?![a-z])|"
    r"\s*\((?:MORE|END OPTIONAL TRIM|OPTIONAL TRIM|END ADV|STORY CAN END HERE[^)]*)\)|"
    r"\s*\bEND ADV\b.*$|\s*\bENDIT\b"
)
# A line ending in one of these, or in one of these words, stops mid-sentence.
_OPEN_ENDINGS = (",", ";", "-", "\u2013", "\u2014", "(", "\u201c", "/")
_OPEN_WORDS = frozenset(
    (
        *("a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into"),
        *("and", "or", "but", "nor", "as", "than", "that", "which", "who", "whose", "its"),
        *("is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would"),
        *("can", "could", "may", "might", "must", "should", "their", "his", "her", "our"),
        *("this", "these", "those", "over", "under", "about", "after", "before", "between"),
    )
)
# The danda and double danda (Devanagari), the Arabic question mark and full stop end prose too.
_TERMINAL = (".", "!", "?", '"', "”", "’", "'", "…", ")", "»", "。", "！", "？", "।", "॥", "؟", "۔")
_MAX_TITLE_WORDS = 25


@dataclass(frozen=True)
class CleanText:
    """What cleaning keeps of a raw text: a title if one stood alone, body lines, a date line.

    ``furniture`` counts the lines dropped as site furniture and ``cut_at`` is the end-of-article
    marker the text was cut at, if any, so a text with nothing left can say why.
    """

    title: str | None
    lines: tuple[str, ...]
    date_line: str | None
    furniture: int = 0
    cut_at: str | None = None


def normalize(text: str) -> str:
    """Drop control, zero-width, private-use and lone surrogate characters; fold spaces.

    Newlines are kept. A lone surrogate (possible in text decoded from JSON) cannot even be
    encoded as UTF-8, so it would fail at SQLite or at the chat platform.
    """
    return "\n".join(_normal_lines(text))


def _normal_lines(text: str) -> Iterator[str]:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    for line in text.split("\n"):
        # A printable line holds nothing to drop and no space but the space (str.isprintable
        # is false for every control, format mark, separator and unassigned character), so
        # most lines are not looked at character by character.
        if not line.isprintable():
            # Printable ASCII is always kept, so only the other runs are looked at.
            line = _SPACES.sub(" ", _NOT_PLAIN.sub(_keep_visible, line))
        elif "  " in line:
            line = _PRINTABLE_SPACES.sub(" ", line)
        yield line.strip()


def _keep_visible(run: re.Match[str]) -> str:
    kept = []
    for ch in run.group():
        category = unicodedata.category(ch)
        # Cc/Cf are controls and invisible format marks (RTL overrides, zero-width joiners).
        if category not in ("Cc", "Cf", "Co", "Cs"):
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
    return "".join(kept)


def letter_counts(text: str) -> tuple[int, int]:
    """How many letters ``text`` holds, and how many of them are upper case."""
    if text.isascii():
        ascii_letters = text.encode("ascii").translate(None, _ASCII_NOT_LETTER)
        return len(ascii_letters), len(ascii_letters.translate(None, _ASCII_NOT_UPPER))
    letters = list(filter(str.isalpha, text))
    return len(letters), sum(map(str.isupper, letters))


def is_boilerplate(text: str) -> bool:
    """True for a line or sentence that belongs to the site, not the story.

    Only text short enough to be furniture is judged: a long line is article text.
    """
    if _word_count(text) > FURNITURE_MAX_WORDS:
        return False
    if _PROMO_PREFIX.match(text):
        return True
    folded = _fold(text)
    if any(map(folded.__contains__, _SHORTEST_CLUES)) and any(
        clue in folded and phrase.search(folded) for clue, phrase in _BOILERPLATE_CLUES
    ):
        return True
    if is_furniture(text):
        return True
    # A fifth of the text in lower-case ASCII letters leaves at most 80% of its letters upper
    # case, so prose needs no counting (which is slow outside ASCII).
    if 5 * _ascii_lower_count(text) >= len(text):
        return False
    letters, upper = letter_counts(text)
    # Inserted promo headlines are set in capitals: "RUSSIANS SET UP METHOD TO ...".
    return letters >= 12 and upper / letters > 0.8


def _word_count(text: str) -> int:
    return len(text.split())


def _ascii_lower_count(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ASCII_LOWER))


def _fold(text: str) -> str:
    """Lower-case ``text`` so that searching it for lower-case ASCII phrases finds what a
    case-blind search of ``text`` finds.

    Every character maps to one character with the same word, space and newline standing, and
    to an ASCII letter exactly when a case-blind search takes it for that letter.
    """
    if text.isascii():
        return text.lower()
    for other, letter in _FOLD_TO_ASCII:
        text = text.replace(other, letter)
    return text.lower()


def ends_like_prose(sentence: str) -> bool:
    """True when a sentence ends as prose does; headlines, captions and cut-off text do not."""
    return sentence.rstrip().endswith(_TERMINAL)


def clean_lines(text: str) -> CleanText:
    """Keep the article's prose lines, in order, and the title line if there is one.

    Hard-wrapped lines are joined into their paragraphs first, and wire-service markup
    (datelines, pick-up trailers, doubled quote marks) is rewritten or removed, never the text
    around it.
    """
    title: str | None = None
    date_line: str | None = None
    lines: list[str] = []
    furniture = 0
    cut_at: str | None = None
    for line in paragraphs(_normal_lines(text)):
        match = _DATE_LINE.match(line)
        if match and not lines and title is None:
            date_line = match.group(1)
            line = match.group(2).strip()
            if not line:
                continue
        if (_word_count(line) <= _TAIL_MAX_WORDS and _TAIL_MARKERS.match(line)) or ends_article(
            line
        ):
            cut_at = line
            break
        if is_boilerplate(line):
            furniture += 1
            continue
        # A lone first line without final punctuation is the title; a long one is the article
        # itself (wire copy often runs as one line ending in a trailer).
        if (
            not lines
            and title is None
            and not ends_like_prose(line)
            and _word_count(line) <= _MAX_TITLE_WORDS
        ):
            title = line
            continue
        if not lines:
            # "Meadow Lake, Saskatchewan – The municipal council ...": the place is not news.
            line = _PLACE_DATELINE.sub("", line, count=1)
        lines.append(line)
    return CleanText(
        title=title, lines=tuple(lines), date_line=date_line, furniture=furniture, cut_at=cut_at
    )


def paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Normalized source lines as paragraphs: hard-wrapped lines joined, wire markup removed.

    A line continues on the next when it ends mid-sentence: without final punctuation, and
    either the next line starts in lower case or the line ends on a comma, a dash or a word
    that cannot end a sentence or a headline ("the", "of", "and"). A blank line always ends a
    paragraph.
    """
    held: str | None = None
    for line in lines:
        if "*" in line:
            line = _SPACES.sub(" ", _STRAY_MARKUP.sub(" ", line)).strip()
        if not line:
            if held is not None:
                yield from _unwired(held)
            held = None
            continue
        if held is not None and _continues(held, line):
            joint = "" if held.endswith("-") and held[-2:-1].isalpha() else " "
            held = held + joint + line
            continue
        if held is not None:
            yield from _unwired(held)
        held = line
    if held is not None:
        yield from _unwired(held)


def _continues(line: str, following: str) -> bool:
    if ends_like_prose(line):
        return False
    if following[0].islower():
        return True
    if line.endswith(_OPEN_ENDINGS):
        return True
    last = line.rsplit(" ", 1)[-1]
    return last in _OPEN_WORDS


def _unwired(paragraph: str) -> Iterator[str]:
    """A paragraph with wire-service markup rewritten: one or more paragraphs.

    ``\x60\x60quoted''`` becomes curly quotes, a spaced underscore a dash; a dateline
    ("WASHINGTON (AP) _") is removed, and a pick-up marker ("4th graf pvs", "(MORE)") ends
    the paragraph there, so the text on either side is kept.
    """
    if "`" in paragraph or "''" in paragraph:
        paragraph = paragraph.replace("``", "\u201c").replace("''", "\u201d")
    if " _ " in paragraph or paragraph.startswith("_ "):
        paragraph = _WIRE_DASH.sub(" \u2014 ", paragraph).removeprefix("_ ")
    if "(" in paragraph:
        paragraph = _WIRE_DATELINE.sub("", paragraph, count=1)
    for part in _WIRE_TRAILER.split(paragraph):
        part = part.strip()
        if part:
            yield part


def keep_sentence(sentence: str) -> bool:
    """True for a sentence of article prose: complete, and not site furniture."""
    return (
        ends_like_prose(sentence)
        and not is_boilerplate(sentence)
        and any(c.isalpha() for c in sentence)
    )
