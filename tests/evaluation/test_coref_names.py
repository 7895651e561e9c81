"""Name handling of the ECB+ coreference pair model (analysis.evaluation.coref_pairs, coref):
capitalized common nouns, first-name conflicts, acronyms, numbers, the cannot-link constraints
and the attachment of nominal clusters to the names they describe."""
from __future__ import annotations

from analysis.evaluation.coref import MentionInfo, _Union, common_nouns, descriptors
from analysis.evaluation.coref_pairs import (
    _acronym_of, _attach_nominals, _cannot_link, _first_name_conflict, _initials, _name_words, _numbers, _person_name,
)


def _m(index: int, text: str, *, doc: str = "1_1ecb.xml", ner: str = "", is_name: bool = True, common: bool = False,
       lemma: str | None = None, pos: str | None = None, descriptors: frozenset = frozenset()) -> MentionInfo:
    words = tuple(text.lower().split())
    head = text.split()[-1]
    name = tuple(w.strip(".").lower() for w in text.split() if w[:1].isupper() and w.strip(".")) if is_name else ()
    return MentionInfo(index=index, doc=doc, head=head, lemma=lemma or head.lower(), pos=pos or ("PROPN" if is_name else "NOUN"),
                       tag="NNP" if is_name else "NN", ner=ner, text=text, words=words, sent=0, start=0, is_name=is_name,
                       name=name or (head.lower(),), common=common, descriptors=descriptors)


def test_headline_capitalized_common_nouns_are_found_and_real_names_are_not():
    from analysis.lang.nlp import load_model

    nlp = load_model()
    docs = [nlp("Oscars Host Named For Next Year's Show"),
            nlp("The academy named a host on Friday. The host will present the show, and the new host is funny."),
            nlp("They climbed Mount Cook in winter. The climbers reached Mount Cook early. The cook at the hut made soup.")]
    commons = common_nouns(docs)
    assert "host" in commons  # lower case 3 times in running text; the title-case headline does not count
    assert "cook" not in commons  # capitalized mid-sentence twice, a common noun once
    assert "show" in commons and "mount" not in commons


def test_as_phrases_describe_the_object_or_passive_subject():
    from analysis.lang.nlp import load_model

    doc = load_model()("The Sixers hired Maurice Cheeks as coach on Monday.")
    head = next(t.i for t in doc if t.text == "Cheeks")
    assert "coach" in descriptors(doc, head)


def test_person_names_with_one_last_name_and_different_first_names_conflict():
    def person(text):
        return _person_name(_m(0, text, ner="PERSON"))

    assert person("Dr. Regina M. Benjamin")[:2] == ("regina", "benjamin")
    assert person("Lohan") is None and _person_name(_m(0, "Lindsay Lohan", ner="ORG")) is None  # one word; not a person
    assert _first_name_conflict(person("John Jenkin"), person("Katie Jenkin"))
    assert not _first_name_conflict(person("Katie Jenkin"), person("Kathryn Jenkin"))  # a short form
    assert not _first_name_conflict(person("Bettie Page"), person("Betty Page"))  # a spelling
    assert not _first_name_conflict(person("J. Jenkin"), person("John Jenkin"))  # an initial
    assert _first_name_conflict(person("K. Jenkin"), person("John Jenkin"))
    assert not _first_name_conflict(person("Lo Presti"), person("Gaetano Lo Presti"))  # one inside the other
    assert not _first_name_conflict(person("John Jenkin"), person("John Smith"))  # another last name: not this rule's call
    assert not _first_name_conflict(person("Dr. Regina Benjamin"), person("Regina Benjamin"))


def test_acronyms_match_the_initials_of_a_multi_word_name():
    ama, full, nba, ap, press = (_m(0, "AMA"), _m(1, "the American Medical Association"), _m(2, "NBA"), _m(3, "AP"),
                                 _m(4, "The Associated Press"))
    initials = {m.index: _initials(m) for m in (ama, full, nba, ap, press)}
    assert initials[1] == "AMA" and initials[0] == "" and initials[4] == "AP"
    assert _acronym_of(ama, full, initials) and _acronym_of(full, ama, initials)
    assert _acronym_of(ap, press, initials)
    assert not _acronym_of(nba, full, initials) and not _acronym_of(ama, nba, initials)


def test_numbers_of_a_mention():
    assert _numbers(_m(0, "Internet Explorer 8 ( IE8 )")) == {"8"}
    assert _numbers(_m(0, "Sunday , February 01 , 2009")) == {"1", "2009"}
    assert _numbers(_m(0, "Lindsay Lohan")) == frozenset()


def test_name_words_read_abbreviations_spellings_and_a_plural_head_as_one():
    def words(text):
        return _name_words(_m(0, text).name)

    assert words("Mt Cook") <= words("Aoraki Mount Cook")  # an abbreviation
    assert words("Betty Ford Centre") == words("the Betty Ford Center")  # a British spelling, "the" left out
    assert words("Indianapolis Colt") == words("Indianapolis Colts")  # the head's plural
    assert words("Tar Heels") >= words("Heel")
    assert words("Ross") == {"ross"} and words("Bus") == {"bus"}  # "-ss" and short words keep their "s"
    assert words("Venus Williams") == {"venus", "william"}  # only the head word loses it
    assert not words("Katie Jenkin") <= words("John Jenkin")


def test_cannot_link_pairs():
    ms = [_m(0, "John Jenkin", ner="PERSON"), _m(1, "Katie Jenkin", ner="PERSON", doc="1_2ecb.xml"),
          _m(2, "Internet Explorer 8", ner="PRODUCT"), _m(3, "Internet Explorer 9", ner="PRODUCT"),
          _m(4, "Internet Explorer", ner="PRODUCT"),
          _m(5, "Friday", ner="DATE"), _m(6, "Friday", ner="DATE", doc="1_2ecb.xml"), _m(7, "Friday", ner="DATE", doc="1_3ecb.xml"),
          _m(8, "Saturday", ner="DATE", doc="1_3ecb.xml"), _m(9, "Kathryn Jenkin", ner="PERSON", doc="1_3ecb.xml")]
    pairs = [(0, 1), (2, 3), (2, 4), (5, 6), (5, 7), (7, 8), (1, 9), (0, 9)]
    subtopic = {"1_1ecb.xml": 0, "1_2ecb.xml": 1, "1_3ecb.xml": 0}  # 1_2 reports another event
    blocked = {pairs[k] for k in _cannot_link(ms, pairs, subtopic)}
    assert blocked == {(0, 1), (2, 3), (5, 6), (7, 8), (0, 9)}


def test_a_nominal_cluster_joins_the_one_name_it_describes():
    ellen = [_m(0, "Ellen DeGeneres", ner="PERSON", descriptors=frozenset({"host"})),
             _m(1, "Ellen DeGeneres", ner="PERSON", doc="1_2ecb.xml")]
    hosts = [_m(2, "host", is_name=False), _m(3, "Host", common=True, doc="1_2ecb.xml", lemma="host")]
    other = [_m(4, "Hugh Jackman", ner="PERSON", doc="1_3ecb.xml", descriptors=frozenset({"actor"})),
             _m(5, "actor", is_name=False, doc="1_4ecb.xml")]  # no name in its document: stays apart
    infos = ellen + hosts + other
    uf = _Union(len(infos))
    uf.union(0, 1)
    uf.union(2, 3)
    _attach_nominals(infos, uf)
    labels = uf.labels()
    assert labels[2] == labels[3] == labels[0]
    assert labels[5] != labels[4]


def test_as_phrases_of_the_name_itself_and_of_a_subject_without_object_describe_it():
    from analysis.lang.nlp import load_model

    nlp = load_model()
    doc = nlp("Ellen DeGeneres as host of the Oscars was a hit.")
    assert "host" in descriptors(doc, next(t.i for t in doc if t.text == "DeGeneres"))
    doc = nlp("Hugh Jackman returns as host next year.")
    assert "host" in descriptors(doc, next(t.i for t in doc if t.text == "Jackman"))
    doc = nlp("The league named Maurice Cheeks as coach.")  # the subject did the naming: not a coach
    assert "coach" not in descriptors(doc, next(t.i for t in doc if t.text == "league"))


def test_a_nominal_describing_no_name_at_home_joins_the_name_the_story_describes():
    cheeks = [_m(0, "Maurice Cheeks", ner="PERSON", doc="1_1ecb.xml", descriptors=frozenset({"coach"})),
              _m(1, "Maurice Cheeks", ner="PERSON", doc="1_2ecb.xml")]  # named, never called coach here
    coach = [_m(2, "coach", is_name=False, doc="1_2ecb.xml")]
    stranger = [_m(3, "coach", is_name=False, doc="1_3ecb.xml", lemma="coach")]  # Cheeks not named in its document
    elsewhere = [_m(4, "Maurice Cheeks", ner="PERSON", doc="2_1ecb.xml"), _m(5, "coach", is_name=False, doc="2_1ecb.xml")]
    infos = cheeks + coach + stranger + elsewhere
    uf = _Union(len(infos))
    uf.union(0, 1)
    _attach_nominals(infos, uf)
    labels = uf.labels()
    assert labels[2] == labels[0]  # described as coach in another document of its story
    assert labels[3] not in (labels[0], labels[2])  # no candidate named in its own document
    assert labels[5] != labels[4]  # its story never calls Cheeks a coach


def test_a_nominal_describing_no_name_at_home_stays_apart_when_two_names_tie():
    infos = [_m(0, "Hugh Jackman", ner="PERSON", doc="1_1ecb.xml", descriptors=frozenset({"host"})),
             _m(1, "Ellen DeGeneres", ner="PERSON", doc="1_2ecb.xml", descriptors=frozenset({"host"})),
             _m(2, "Hugh Jackman", ner="PERSON", doc="1_3ecb.xml"), _m(3, "Ellen DeGeneres", ner="PERSON", doc="1_3ecb.xml"),
             _m(4, "host", is_name=False, doc="1_3ecb.xml")]
    uf = _Union(len(infos))
    uf.union(0, 2)
    uf.union(1, 3)
    _attach_nominals(infos, uf)
    labels = uf.labels()
    assert labels[4] not in (labels[0], labels[1])


def test_a_nominal_described_as_two_names_equally_stays_apart():
    infos = [_m(0, "Hugh Jackman", ner="PERSON", descriptors=frozenset({"host"})),
             _m(1, "Ellen DeGeneres", ner="PERSON", descriptors=frozenset({"host"})), _m(2, "host", is_name=False)]
    uf = _Union(len(infos))
    _attach_nominals(infos, uf)
    assert len(set(uf.labels())) == 3
