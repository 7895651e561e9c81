"""The per-article tables, declared once (:mod:`analysis.schema`): one declaration each.

Each analysis module re-exports its own (``analysis.articles.sentiment.SENTENCES``, ...), and
the corpus tables (:mod:`analysis.corpus.tables`) take their Arrow schemas from here. The
declarations live apart from the analyses so that reading a schema does not import spaCy,
TextBlob, torch or matplotlib: the corpus driver, which only writes tables, starts in about
2 s instead of 6-10 s (``python -X importtime -c "import analysis.corpus.tables"``).
"""
from __future__ import annotations

from ..schema import Table

#: The table of :func:`analysis.articles.sentiment.sentence_sentiment` (and the corpus ``sentences`` table).
SENTENCES = Table.parse("sentences", """
    article_id      str    the article's id
    sent_index      int    sentence number in the parse
    paragraph       int    0 = title, then 1..n
    start           int    char offset of the sentence in article.text
    end             int    char offset after it (trailing space excluded)
    text            str    the sentence
    polarity        float  TextBlob polarity, -1..1
    subjectivity    float  TextBlob subjectivity, 0..1
    vader_compound  float  VADER compound, -1..1
    vader_pos       float  VADER positive proportion
    vader_neu       float  VADER neutral proportion
    vader_neg       float  VADER negative proportion
    quote_share     float  fraction of the sentence inside quotation marks
    is_quote        bool   quote_share >= 0.5: mostly a quotation, the speaker's words
""")

#: The table of :func:`analysis.articles.entities.entity_mentions` (and the corpus ``entities`` table).
MENTIONS = Table.parse("entities", """
    article_id    str  the article's id
    start         int  char offset of the mention in article.text
    end           int  char offset after it
    text          str  the surface form
    label         str  spaCy label of the mention
    entity        str  canonical name (aliases merged within the article)
    entity_label  str  majority label of the entity
    source        str  model / relabelled / propagated
    sent_index    int  sentence number in the parse
""")

#: The table of :func:`analysis.articles.chronology.timeline` (and the corpus ``timexes`` table).
TIMEXES = Table.parse("timexes", """
    article_id        str        the article's id
    start             int        char offset of the expression in article.text
    end               int        char offset after it
    expression        str        the TimeML extent
    type              str        DATE / TIME / DURATION / SET
    value             str        TIMEX3 value, e.g. 2020-12-14, 2020-11, P3D
    granularity       str        time/day/week/month/quarter/season/year/decade/duration/set/reference/unknown
    date              timestamp  start of the period on the calendar (NaT if none); 'later this year': the publication date
    date_end          timestamp  end of the period, exclusive (NaT if none); 'earlier this week': the publication date
    anchor            str        absolute / dct / unresolved
    sent_index        int        sentence number in the parse
    event             str        what the expression dates
    entities          str        canonical entities of the sentence, '; '-joined
    sentence          str        the sentence
    published         timestamp  the anchor date used
    published_source  str        parameter / sidecar / html / jsonl / inferred / none
""")

#: The table of :func:`analysis.articles.quotes.quotes` (and the corpus ``quotes`` table).
QUOTES = Table.parse("quotes", """
    article_id    str  the article's id
    start         int  char offset of the first opening quotation mark
    end           int  char offset after the last closing mark
    sent_index    int  sentence of the start
    text          str  the quoted words, fragments joined by ' … '
    words         int  quoted words
    parts         int  fragments merged
    speaker       str  canonical entity, a document, a description, or empty
    speaker_type  str  entity label, document, description, or empty
    attribution   str  subject / pronoun / quoted source / according to / continuation / empty
    cue           str  the cue words, e.g. 'told'
    cue_start     int  char offset of the cue, -1 when none
""")

#: The ``mention_sentiment`` corpus table, declared once (:mod:`analysis.schema`).
MENTION_SENTIMENT = Table.parse("mention_sentiment", """
    article_id    str    article id (as in every corpus table)
    sent_index    int    sentence index in the article (joins ``sentences``)
    start         int    character offset of the entity's first mention in that sentence (joins ``entities``)
    end           int    end offset of that mention
    entity        str    canonical entity of the article (the ``entities.entity`` column)
    entity_label  str    PERSON, ORG, GPE, ... (majority label of the entity in its article)
    label         str    targeted sentiment towards the entity in the sentence: negative / neutral / positive
    score         float  p_positive - p_negative, in [-1, 1]
    is_quote      bool   the mention lies inside a direct quotation
    speaker       str    who is quoted when is_quote (the quote's speaker, '' when unattributed or not quoted)
""")
