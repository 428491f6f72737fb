"""Language identification and the per-language text pipelines (bot.text.language(s))."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_DIR, SettingsError, load_settings
from bot.text.language import identify
from bot.text.languages import (
    LANGUAGES,
    ScriptTokenizer,
    UnsupportedLanguage,
    language_name,
    parse_languages,
)
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

EVAL = PROJECT_DIR / "tests" / "data" / "eval"
MULTILING = ("en", "ar", "cs", "el", "fr", "he", "hi")


def test_every_multiling_article_is_identified_in_its_language() -> None:
    for language in MULTILING:
        path = EVAL / f"multiling2011_{language}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            for doc in json.loads(line)["docs"]:
                if doc["text"].strip():  # one Greek article of the set is empty
                    assert identify(doc["text"]).code == language, doc["docid"]


def test_short_latin_text_is_taken_for_english_as_before() -> None:
    assert identify("Xi and Putin spoke.").code == "en"
    assert identify("中国和俄罗斯签署了协议。").code == "zh"


def tokenizer(code: str) -> ScriptTokenizer:
    return ScriptTokenizer(LANGUAGES[code])


def test_hindi_words_keep_their_vowel_signs() -> None:
    # sumy's word rule (\w) drops combining marks and would cut these words apart.
    assert tokenizer("hi").to_words("भारत सरकार ने हिंदी में कहा।") == (
        "भारत",
        "सरकार",
        "ने",
        "हिंदी",
        "में",
        "कहा",
    )


def test_stops_without_a_following_space_end_sentences_in_caseless_scripts() -> None:
    assert tokenizer("hi").to_sentences("तलाशी किया है.बुर्ले क्षेत्रों में तलाशी की।") == (
        "तलाशी किया है.",
        "बुर्ले क्षेत्रों में तलाशी की।",
    )
    assert tokenizer("ar").to_sentences("في الاسبوع السابق.اظهرت الصور حسيب حسين.") == (
        "في الاسبوع السابق.",
        "اظهرت الصور حسيب حسين.",
    )
    # Latin text is never touched: "bbc.co" is no sentence end.
    assert tokenizer("hi").to_sentences("साइट bbc.co.uk पर है।") == ("साइट bbc.co.uk पर है।",)


def test_a_typed_bar_stands_for_the_danda() -> None:
    assert LANGUAGES["hi"].normalized("दोषी पाए गए | ऑपरेशन") == "दोषी पाए गए । ऑपरेशन"
    assert LANGUAGES["hi"].normalized("a | b") == "a | b"


def test_chinese_is_read_as_character_pairs_in_reading_order() -> None:
    assert tokenizer("zh").to_words("中国和俄罗斯, Putin 说。") == (
        "中国",
        "国和",
        "和俄",
        "俄罗",
        "罗斯",
        "Putin",
        "说",
    )


def test_terms_carry_their_language_and_english_terms_do_not() -> None:
    english = TermIndexer(OfflineTokenizer())
    french = english.for_language("fr")
    assert english.terms("The French army said the war would go on.") == ("french", "armi", "war")
    # Elisions split, clitics and stop words dropped, Snowball stems tagged with the language.
    assert french.terms("L'armée française a déclaré que la guerre continuerait.") == (
        "fr:armé",
        "fr:français",
        "fr:déclar",
        "fr:guerr",
        "fr:continu",
    )
    assert english.for_language("fr") is french and french.for_language("en") is english
    # Languages without a stemmer in sumy: the Snowball project's (Greek), or none (Hebrew).
    assert english.for_language("el").terms("Οι επιχειρήσεις διάσωσης συνεχίζονται.") == (
        "el:επιχειρησ",
        "el:διασωσ",
        "el:συνεχιζ",
    )
    assert english.for_language("he").terms("משטרת לונדון פרסמה תמונות.") == (
        "he:משטרת",
        "he:לונדון",
        "he:פרסמה",
        "he:תמונות",
    )


def test_a_language_outside_the_supported_set_has_no_pipeline() -> None:
    english_only = TermIndexer(OfflineTokenizer(), supported={"en"})
    with pytest.raises(UnsupportedLanguage, match=r"French \(fr\)"):
        english_only.for_language("fr")
    with pytest.raises(UnsupportedLanguage, match=r"Vietnamese \(vi\)"):
        TermIndexer(OfflineTokenizer()).for_language("vi")


def test_languages_are_named_by_code_or_english_name() -> None:
    assert parse_languages(["fr", "English", " HI "]) == {"fr", "en", "hi"}
    assert language_name("he") == "Hebrew" and language_name("vi") == "Vietnamese"
    with pytest.raises(UnsupportedLanguage, match="klingon"):
        parse_languages(["klingon"])


def config_with(tmp_path: Path, languages: str) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(PROJECT_DIR / "config" / "topics.toml", config / "topics.toml")
    text = (PROJECT_DIR / "config" / "settings.toml").read_text(encoding="utf-8")
    head, _, _ = text.partition("[languages]")
    rest = text.partition("[languages.channels]")[2].partition("\n[")[2]
    (config / "settings.toml").write_text(f"{head}{languages}\n[{rest}", encoding="utf-8")
    return config


def test_language_settings_are_read_and_checked(tmp_path: Path) -> None:
    config = config_with(
        tmp_path,
        '[languages]\nsupported = ["en", "French"]\nbrief = ["en"]\n'
        '[languages.channels]\n"slack:C1" = ["fr"]\n',
    )
    languages = load_settings({}, config).languages
    assert languages.supported == {"en", "fr"} and languages.brief == {"en"}
    assert languages.for_channel("slack", "C1") == {"fr"}
    assert languages.for_channel("slack", "C2") == {"en"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[languages]\nsupported = ["en", "xx"]\n', "no text pipeline for 'xx'"),
        ('[languages]\nsupported = ["en"]\nbrief = ["fr"]\n', "fr, not in supported"),
        ("[languages]\nsupported = []\n", "at least one language"),
    ],
)
def test_bad_language_settings_name_the_problem(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({}, config_with(tmp_path, table))


WEB = PROJECT_DIR / "tests" / "data" / "web"


@pytest.mark.parametrize(
    ("page", "language"),
    [
        ("arabic_article.html", "ar"),
        ("chinese_article.html", "zh"),
    ],
)
def test_non_english_pages_are_extracted_as_completely_as_trafilatura(
    page: str, language: str
) -> None:
    import trafilatura

    from bot.ingest.extract import extract_article
    from bot.ingest.pipeline import prepare

    html = (WEB / page).read_text(encoding="utf-8")
    raw = extract_article(html, page).article
    prepared = prepare(raw, TermIndexer(OfflineTokenizer()))
    assert prepared.article.language == language

    def letters(text: str) -> int:
        return sum(c.isalpha() for c in text)

    # The same extraction settings trafilatura's own precision mode uses; nothing lost after.
    plain = trafilatura.extract(html, favor_precision=True, include_tables=False) or ""
    assert letters(plain) > 150
    assert letters(prepared.article.body) >= 0.9 * letters(plain)


def test_words_are_counted_in_unspaced_scripts_too() -> None:
    from bot.text.languages import word_count

    assert word_count("China and Russia signed a deal.") == 6
    assert word_count("中国和俄罗斯周二签署了协议。") == 6  # 13 ideographs, about 6 words
    assert word_count("Putin 说 中国和俄罗斯") == 1 + 3


def test_initials_do_not_end_sentences_in_scripts_without_capitals() -> None:
    # Real sentences of the Hebrew and Hindi dev sets: "BBC", "E.T.A.", "P.M." written with
    # stops, which Punkt (telling initials by the capital after them) took for sentence ends.
    hebrew = tokenizer("he")
    assert hebrew.to_sentences(
        "סאבה מוזאקה, הבת של בהנז מוזאקה שנהרגה בפיצוץ בקו הפיקדילי, צוטטה באתר של ה-בי.בי.סי:"
        ' "אני מצטערת."'
    ) == (
        "סאבה מוזאקה, הבת של בהנז מוזאקה שנהרגה בפיצוץ בקו הפיקדילי, צוטטה באתר של ה-בי.בי.סי:"
        ' "אני מצטערת."',
    )
    assert hebrew.to_sentences(
        "קבוצת הבדלנים הבסקים הידועה גם בשם אי. טי. איי, לקחה אחריות על הנחת המטענים במסלול."
    ) == ("קבוצת הבדלנים הבסקים הידועה גם בשם אי. טי. איי, לקחה אחריות על הנחת המטענים במסלול.",)
    # A two-letter word does end a sentence when a longer word follows.
    assert hebrew.to_sentences(
        '"אנחנו מנסים להשיג שתי מטרות פה. אחת היא להגן על הזכות לחופש הביטוי."'
    ) == ('"אנחנו מנסים להשיג שתי מטרות פה.', 'אחת היא להגן על הזכות לחופש הביטוי."')
    hindi = tokenizer("hi")
    assert hindi.to_sentences(
        "११:१० पी.एम. पर आटोपायलेअत ने काम करना बंद कर दिया और कम से कम एक कंप्यूटर ने वैकल्पिक"
        " ऊर्जा स्रोत का सहारा लिया।"
    ) == (
        "११:१० पी.एम. पर आटोपायलेअत ने काम करना बंद कर दिया और कम से कम एक कंप्यूटर ने वैकल्पिक"
        " ऊर्जा स्रोत का सहारा लिया।",
    )
    # A stop between digits is a decimal point, in Devanagari digits too.
    assert hindi.to_sentences("भुकंप रिक्टर पैमाने पर ६.१ का था। पर नुकसान कम हुआ।") == (
        "भुकंप रिक्टर पैमाने पर ६.१ का था।",
        "पर नुकसान कम हुआ।",
    )
