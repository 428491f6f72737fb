"""Site furniture in languages other than English: the prompts, labels and notices news sites
set around an article ("Lire aussi : ...", "Anzeige", "版权所有", "この記事は会員限定です").

Every rule judges a short standalone line (or sentence), never prose: a label or prompt counts
only as the whole line, or as the start of a line followed by a separator and the headline it
promotes ("Читайте также: ..."); a notice (copyright, paywall, the site's own disclaimer of
its readers' comments) counts anywhere in a short line. Lengths are counted in words of any
script (``bot.text.languages.word_count``: Chinese and Japanese lines have no spaces). The
phrases are the ones sites print, per language; a phrase appearing inside reporting prose is
never enough (see tests/test_clean.py: no sentence of the seven MultiLing dev sets is taken).
"""

from __future__ import annotations

import re

from bot.text.languages import word_count

# Furniture is a few words; a longer line is article text whatever it holds.
MAX_WORDS = 40
_TAIL_MAX_WORDS = 6

# Labels and prompts: the whole line, or the line's start before a separator.
_LABELS: dict[str, tuple[str, ...]] = {
    "fr": (
        "lire aussi",
        "à lire aussi",
        "a lire aussi",
        "lire la suite",
        "voir aussi",
        "à voir aussi",
        "sur le même sujet",
        "articles similaires",
        "articles liés",
        "partager cet article",
        "partager",
        "abonnez-vous",
        "s'abonner",
        "publicité",
        "suivez-nous",
        "pour aller plus loin",
    ),
    "de": (
        "lesen sie auch",
        "lesen sie mehr",
        "auch interessant",
        "mehr zum thema",
        "weiterlesen",
        "weitere artikel",
        "ähnliche artikel",
        "anzeige",
        "werbung",
        "artikel teilen",
        "teilen",
        "jetzt abonnieren",
        "folgen sie uns",
    ),
    "es": (
        "lee también",
        "lea también",
        "leer más",
        "te puede interesar",
        "le puede interesar",
        "noticias relacionadas",
        "artículos relacionados",
        "publicidad",
        "compartir",
        "suscríbete",
        "síguenos",
    ),
    "pt": (
        "leia também",
        "leia mais",
        "veja também",
        "saiba mais",
        "notícias relacionadas",
        "publicidade",
        "compartilhe",
        "compartilhar",
        "assine já",
    ),
    "it": (
        "leggi anche",
        "leggi di più",
        "potrebbe interessarti",
        "articoli correlati",
        "pubblicità",
        "condividi",
        "iscriviti",
    ),
    "nl": ("lees ook", "lees meer", "gerelateerde artikelen", "advertentie", "delen"),
    "sv": ("läs också", "läs mer", "annons", "dela artikeln"),
    "pl": ("czytaj także", "czytaj też", "czytaj więcej", "reklama", "udostępnij"),
    "cs": ("čtěte také", "čtěte též", "související články", "reklama", "sdílet"),
    "tr": ("ayrıca okuyun", "ilgili haberler", "reklam", "paylaş"),
    "id": ("baca juga", "berita terkait", "iklan", "bagikan"),
    "el": ("διαβάστε επίσης", "διαβάστε ακόμα", "σχετικά άρθρα", "διαφήμιση", "κοινοποίηση"),
    "ru": (
        "читайте также",
        "читать далее",
        "подробнее",
        "смотрите также",
        "похожие статьи",
        "материалы по теме",
        "новости по теме",
        "другие новости",
        "реклама",
        "поделиться",
        "подписывайтесь",
        "подписаться",
    ),
    "uk": ("читайте також", "поділитися", "реклама"),
    "ar": (
        "اقرأ أيضا",
        "اقرأ أيضاً",
        "إقرأ أيضا",
        "إقرأ أيضاً",
        "اقرأ المزيد",
        "مقالات ذات صلة",
        "أخبار ذات صلة",
        "مواضيع ذات صلة",
        "إعلان",
        "شارك المقال",
        "شارك",
        "اشترك",
        "تابعونا",
    ),
    "he": ("קראו גם", "כתבות נוספות", "פרסומת", "שתפו", "שתף"),
    "hi": ("यह भी पढ़ें", "और पढ़ें", "संबंधित खबरें", "विज्ञापन"),
    "zh": (
        "相关阅读",
        "相关新闻",
        "相关文章",
        "相关报道",
        "延伸阅读",
        "推荐阅读",
        "阅读全文",
        "分享到",
        "广告",
        "责任编辑",
        "编辑",
        "来源",
    ),
    "ja": (
        "関連記事",
        "関連ニュース",
        "あわせて読みたい",
        "続きを読む",
        "この記事をシェア",
        "このニュースをシェア",
        "シェア",
        "広告",
    ),
    "ko": ("관련기사", "관련 기사", "광고", "공유하기"),
}
# Notices: anywhere in a short line.
_NOTICES: dict[str, tuple[str, ...]] = {
    "fr": ("tous droits réservés", "nous utilisons des cookies", "utilise des cookies"),
    "de": ("alle rechte vorbehalten", "wir verwenden cookies", "verwendet cookies"),
    "es": ("todos los derechos reservados", "utilizamos cookies", "utiliza cookies"),
    "pt": ("todos os direitos reservados", "utilizamos cookies"),
    "it": ("tutti i diritti riservati", "utilizza cookie"),
    "nl": ("alle rechten voorbehouden",),
    "pl": ("wszelkie prawa zastrzeżone",),
    "cs": ("všechna práva vyhrazena",),
    "tr": ("tüm hakları saklıdır",),
    "ru": ("все права защищены", "использует файлы cookie"),
    "uk": ("всі права захищені",),
    # "… do not reflect the opinion of the site" (the disclaimer over readers' comments).
    "ar": ("جميع الحقوق محفوظة", "لا تعبر عن رأي موقع", "لا تعبر عن رأي الموقع"),
    "he": ("כל הזכויות שמורות",),
    "zh": ("版权所有", "保留所有权利", "未经授权不得转载", "不得转载"),
    # Reproduction prohibited; "members only"; "register to read the rest"; "only for paid
    # members".
    "ja": ("無断転載", "会員限定です", "続きをお読みいただけます", "有料会員の方のみ"),
    "ko": ("무단 전재", "무단전재"),
}
# Comment-section headings: a short line that is only one of these ends the article, as
# "Post a comment" does in English.
_TAIL: dict[str, tuple[str, ...]] = {
    "fr": ("commentaires", "réagir", "laisser un commentaire"),
    "de": ("kommentare", "kommentieren"),
    "es": ("comentar", "comentarios", "deja tu comentario"),
    "pt": ("comentários", "comentar"),
    "it": ("commenti", "commenta"),
    "ru": ("комментарии", "комментировать"),
    "ar": ("التعليقات", "تعليقات", "أضف تعليقاً", "أضف تعليقا"),
    "he": ("תגובות",),
    "zh": ("评论", "网友评论", "发表评论"),
    "ja": ("コメント",),
    "ko": ("댓글",),
}


def _alternatives(table: dict[str, tuple[str, ...]]) -> str:
    phrases = sorted({p for ps in table.values() for p in ps}, key=len, reverse=True)
    return "|".join(re.escape(p) for p in phrases)


_LABEL_PHRASES = tuple(sorted({p for ps in _LABELS.values() for p in ps}))
_NOTICE_PHRASES = tuple(sorted({p for ps in _NOTICES.values() for p in ps}))
# What all-ASCII text (English prose) is searched for: a few of the phrases.
_ASCII_NOTICE_PHRASES = tuple(p for p in _NOTICE_PHRASES if p.isascii())
# The label, then a separator or the end of the line ("Lire aussi : …", "（编辑：…）").
_LABEL = re.compile(rf"(?:{_alternatives(_LABELS)})\s*(?:[:：|｜>»›•·\-–—(（]|$)")
_TAIL_LINE = re.compile(
    rf"^(?:\d+\s*)?(?:{_alternatives(_TAIL)})\s*(?:[(（]\d+[)）])?\s*[:：.!]?\s*$"
)
_OPENING = re.compile(r"^[\W_]+")


def is_furniture(text: str) -> bool:
    """True for a short line or sentence that is a site's label, prompt or notice."""
    lowered = _OPENING.sub("", text.lower().replace("\u2019", "'"))
    # Plain substring tests first (in C): most lines hold no phrase at all.
    notices = _ASCII_NOTICE_PHRASES if lowered.isascii() else _NOTICE_PHRASES
    notice = any(map(lowered.__contains__, notices))
    if not notice and not lowered.startswith(_LABEL_PHRASES):
        return False
    if word_count(text) > MAX_WORDS:
        return False
    return notice or bool(_LABEL.match(lowered))


def ends_article(line: str) -> bool:
    """True for a comment-section heading: what follows it belongs to the site."""
    lowered = _OPENING.sub("", line.lower())
    return word_count(line) <= _TAIL_MAX_WORDS and bool(_TAIL_LINE.match(lowered))
