"""Does a short English sentence state anything? Captions and list entries hold no finite verb.

Pages put photo captions, list entries and labels on lines of their own, with a final period
like any sentence: "Ambulances at Russell Square, London after the July 7, 2005 bombings.",
"HMS Cornwall at Zeebrugge in 2006.", "Hasib Hussain, 18, from Leeds.". They are kept as
article text (nothing is dropped), but such a line states nothing on its own, so it is no point
of a brief, and when it opens an article it is not the article's lead: the position prior
counts from the first sentence that states something (``statement_positions``).

There is no part-of-speech tagger offline, so the test is lexical and leans towards "states
something": an auxiliary or modal, a common irregular verb form or a contraction; a word ending
in "-ed" or "-s" after a word that is not a determiner, preposition or number ("police
arrested", "Japan tops", but not "The intended route", "the bombings", "2005 bombings"); any
word but a function word after a subject pronoun or a capitalised word ("they result", "Khan
and Tanweer meet"). Only short sentences are judged at all (``MAX_WORDS``): a verb the rule
misses is likelier in a long one, and a long line is prose. Only English is judged; in other
languages every sentence counts as a statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.models import SentenceRecord


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A caption or list entry runs to a dozen words; a longer sentence is judged prose.
MAX_WORDS = 12

_AUXILIARIES = _words(
    """
    is isn't are aren't was wasn't were weren't am has hasn't have haven't had hadn't do does
    doesn't did didn't don't will won't would wouldn't shall should shouldn't can can't cannot
    could couldn't may might must
    """
)
# Irregular verbs' past and present forms (regular "-ed" and "-s" forms are found by ending).
_IRREGULAR = _words(
    """
    arose awoke beat became become began begun bent bet bid bit bled blew bore born bought
    bound bred broke broken brought built burnt burst came cast caught chose chosen clung come
    cost crept cut dealt dug dove drew drawn dreamt drank drunk drove driven dwelt ate eaten
    fell fallen fed felt fought found fled flung flew flown forbade forgot forgotten forgave
    forgiven froze frozen got gotten gave given go went gone grew grown hung heard hid hidden
    hit held hurt kept knelt knew known laid led leant leapt learnt left lent let lay lain lit
    lost made meant met mistook paid proved put quit read rode ridden rang rung rose risen ran
    run said saw seen sought sold sent set sewn shook shaken shed shone shot shown shut sang
    sung sank sunk sat slept slid slung slit spoke spoken sped spent spilt spun spat split
    spread sprang sprung stood stole stolen stuck stung stank strode struck strung strove swore
    sworn swept swam swum swung took taken taught tore torn told thought threw thrown thrust
    trod understood undertook upset woke wore worn wove wept won wound withdrew withheld
    withstood wrung wrote written says goes does has
    """
)
_NOT_BEFORE_VERB = _words(
    """
    the a an this that these those its his her their our my your some any every each no of in
    on at by for from with to into onto over under after before during between among about
    against near off out up down through across around behind beyond
    """
)
_FUNCTION_WORDS = _NOT_BEFORE_VERB | _words("and or but nor as than plus via per versus vs")
# After a subject pronoun comes the verb: "they result", "we agree".
_SUBJECT_PRONOUNS = _words("i we you they he she it who")
# Contractions of a verb: "he's", "they're", "we've", "she'll", "I'd", "I'm", "can't".
_CONTRACTED = re.compile(r"['\u2019](?:s|re|ve|ll|d|m|t)$")
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*|\d[\d,.]*")


def states_something(sentence: str, language: str) -> bool:
    """False for a short English sentence without a finite verb (a caption, a list entry)."""
    if language != "en" or len(sentence.split()) > MAX_WORDS:
        return True
    previous = ""
    for word in _WORD.findall(sentence):
        lower = word.lower()
        if lower in _AUXILIARIES or lower in _IRREGULAR or _CONTRACTED.search(lower):
            return True
        after_a_word = (
            previous != "" and previous.lower() not in _NOT_BEFORE_VERB and previous[0].isalpha()
        )
        # A plural subject's present verb has no ending: "Sidique Khan and Tanweer meet ...".
        if (
            word[0].islower()
            and lower not in _FUNCTION_WORDS
            and previous.lower() in _SUBJECT_PRONOUNS
        ):
            return True
        if (
            word[0].islower()
            and previous[:1].isupper()
            and previous.lower() not in _FUNCTION_WORDS
            and lower not in _FUNCTION_WORDS
        ):
            return True
        if word == lower and len(word) > 3 and after_a_word:
            if lower.endswith("ed"):
                return True
            if lower.endswith("s") and not lower.endswith(("ss", "us", "is", "ics")):
                return True
        previous = word
    return False


def statement_positions(records: Sequence[SentenceRecord], language: str) -> list[int]:
    """Each sentence's stored place in its article, less the sentences before it that state
    nothing: a caption or label above an article's lead does not push the lead to second place.
    """
    # Each article's sentences in reading order (as the store gives them: sorted only if not).
    order: Sequence[int] = range(len(records))
    last: dict[int, int] = {}
    for record in records:
        if last.get(record.article_id, -1) >= record.position:
            order = sorted(order, key=lambda i: (records[i].article_id, records[i].position))
            break
        last[record.article_id] = record.position
    positions = [0] * len(records)
    skipped: dict[int, int] = {}
    for i in order:
        article = records[i].article_id
        positions[i] = records[i].position - skipped.get(article, 0)
        if not states_something(records[i].text, language):
            skipped[article] = skipped.get(article, 0) + 1
    return positions
