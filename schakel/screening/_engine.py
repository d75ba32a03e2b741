"""The screening engine: lexicon phrases, ConText scopes, a combined score.

How a text is screened:

1. spaCy's Dutch tokenizer (``spacy.blank("nl")``, no model) splits it; officer
   abbreviations from the lexicon stay one token and are normalised (``btr.`` ->
   ``betrokkene``), so phrases match on ``NORM``.
2. One ``PhraseMatcher`` finds every lexicon phrase at once: indicator terms,
   the groups of proximity patterns, cancelling words, sector words and scope
   triggers.
3. Sentences are split on ``. ! ? ;`` and line breaks. Proximity patterns are
   completed inside a sentence; ``unless`` words cancel hits in their sentence.
4. Each hit gets a scope (ConText): negated ("geen", "ontkent", "... niet
   gebleken"), hypothetical ("indien", "voorlichting over"), part of a checklist
   with a negative outcome ("gecontroleerd op ...: niets aangetroffen"), or
   attributed to a third party ("noemde het ..."). Triggers inside a hit are
   part of the hit ("mag niet naar buiten") and do not negate it.
5. Hits that count combine per indicator (the strongest hit) and across
   indicators as ``1 - prod(1 - weight)``. The record is flagged when that score
   reaches the lexicon threshold: one weak indicator never flags, several
   independent ones do.
6. The forms follow from the form-specific indicators and the sector words.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from schakel.screening._lexicon import Lexicon, load_lexicon
from schakel.screening._result import Hit, Scope, ScreenResult
from schakel.vocabulary import ExploitationForm

# Match kinds (the payload of each PhraseMatcher key).
_TERM, _NEAR, _UNLESS, _UNLESS_NEAR, _CONTEXT, _TRIGGER = range(6)
# Trigger kinds.
_NEG_PRE, _NEG_POST, _HYP, _CHECK, _OUTCOME, _TERMINATOR, _QUOTE = range(7)

_SENTENCE_END = frozenset({".", "!", "?", ";", "…", "•"})
_QUOTE_MARKS = frozenset({'"', "“", "”", "„", "«", "»"})
#: A one-word negation ("geen", "niet") reaches at most this many tokens ahead.
_SHORT_PRE_REACH = 4
#: A one-word post-negation ("negatief") reaches at most this many tokens back.
_SHORT_POST_REACH = 6
#: A negative outcome in the next sentence counts if it starts this close.
_OUTCOME_NEXT_REACH = 6
#: Per sector word, up to three, added to a form's evidence.
_CONTEXT_EVIDENCE = 0.3
#: A form is reported when its evidence reaches this share of the strongest.
_FORM_SHARE = 0.65
#: Texts after which the vocabulary is rebuilt, so memory stays flat.
REFRESH_EVERY = 100_000
_EMPTY = ScreenResult(flagged=False, score=0.0, types=(), indicators=())


@cache
def _lemma_table() -> dict[str, str]:
    """Form -> lemma from spaCy's Dutch lookup table (spacy-lookups-data)."""
    raw = (
        files("spacy_lookups_data")
        .joinpath("data/nl_lemma_lookup.json.gz")
        .read_bytes()
    )
    table: dict[str, str] = json.loads(gzip.decompress(raw))
    return {form: lemma for form, lemma in table.items() if form.islower()}


@cache
def _lemma_forms() -> dict[str, tuple[str, ...]]:
    """Inflected forms per lemma (the inverse of :func:`_lemma_table`)."""
    inverse: dict[str, list[str]] = defaultdict(list)
    for form, lemma in _lemma_table().items():
        inverse[lemma].append(form)
    return {lemma: tuple(sorted(forms)) for lemma, forms in inverse.items()}


def expand_term(term: str) -> list[str]:
    """All spellings of a lexicon term: ``~lemma`` tokens become every form.

    >>> expand_term("schuld") == ["schuld"]
    True
    >>> "ronselde" in {t.split()[0] for t in expand_term("~ronselen jongeren")}
    True
    """
    options: list[list[str]] = []
    for word in term.lower().split():
        if word.startswith("~") and len(word) > 1:
            lemma = word[1:]
            options.append([lemma, *_lemma_forms().get(lemma, ())])
        else:
            options.append([word])
    return [" ".join(combo) for combo in itertools.product(*options)]


@dataclass(frozen=True, slots=True)
class _Trigger:
    kind: int
    start: int
    end: int
    sentence: int
    sentence_start_only: bool


@dataclass(slots=True)
class _Candidate:
    code: str
    start: int
    end: int
    sentence: int
    strength: float


class Screener:
    """Screens Dutch free text for trafficking indicators. Build once, reuse.

    Building compiles the lexicon into one spaCy ``PhraseMatcher`` (about a
    second); :meth:`screen` is then pure and thread-compatible per process.
    """

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        spec = self.lexicon.spec
        self._threshold = spec.threshold
        self._quoted_factor = spec.scope.quoted_factor
        self._weights = {c: e.weight for c, e in spec.indicators.items()}
        self._forms = {c: self.lexicon.forms_of(c) for c in spec.indicators}
        self._requires = {c: e.requires_context for c, e in spec.indicators.items()}
        self._near_window: dict[tuple[str, int], int] = {}
        self._near_groups: dict[tuple[str, int], int] = {}
        self._near_strength: dict[tuple[str, int], float] = {}

        self._keys: dict[int, tuple[int, Any]] = {}
        self._seen = 0
        self._compile()

    def _compile(self) -> None:
        """Build the tokenizer and the matcher (again, to reset the vocabulary).

        spaCy's vocabulary keeps every string it has seen; on tens of millions
        of records (names, numbers, typos) that grows without bound, so
        :meth:`screen_many` rebuilds it every ``REFRESH_EVERY`` texts.
        """
        import spacy
        from spacy.attrs import NORM
        from spacy.matcher import PhraseMatcher

        spec = self.lexicon.spec
        self._nlp: Any = spacy.blank("nl")
        # Match on lemmas: NORM is the lookup lemma (spacy-lookups-data), with the
        # lexicon's own additions for frequent irregular forms the table lacks.
        table = _lemma_table()
        extra = {
            f.lower(): lemma for lemma, forms in spec.lemmas.items() for f in forms
        }

        def norm(string: str) -> str:
            low = string.lower()
            return extra.get(low) or table.get(low) or low

        vocab: Any = self._nlp.vocab
        tokenizer: Any = self._nlp.tokenizer
        vocab.lex_attr_getters[NORM] = norm
        for abbr, full in spec.abbreviations.items():
            for variant in {abbr, abbr.capitalize(), abbr.upper()}:
                tokenizer.add_special_case(variant, [{"ORTH": variant, "NORM": full}])
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        self._marks = _Marks.of(self._nlp.vocab.strings)
        self._keys = {}
        for code, entry in spec.indicators.items():
            self._add(f"T|{code}|1", (_TERM, (code, 1.0)), entry.terms)
            self._add(f"T|{code}|w", (_TERM, (code, 0.5)), entry.weak)
            self._add(f"U|{code}", (_UNLESS, code), entry.unless)
            for pi, pattern in enumerate(entry.near):
                self._near_window[(code, pi)] = pattern.window
                self._near_strength[(code, pi)] = pattern.strength
                self._near_groups[(code, pi)] = len(pattern.groups)
                for gi, group in enumerate(pattern.groups):
                    self._add(f"N|{code}|{pi}|{gi}", (_NEAR, (code, pi, gi)), group)
                self._add(f"UN|{code}|{pi}", (_UNLESS_NEAR, (code, pi)), pattern.unless)
        for form, terms in spec.contexts.items():
            self._add(f"C|{form.value}", (_CONTEXT, form), terms)
        scope = spec.scope
        for kind, terms in (
            (_NEG_PRE, scope.negation_pre),
            (_NEG_POST, scope.negation_post),
            (_HYP, scope.hypothetical),
            (_CHECK, scope.checklist),
            (_OUTCOME, scope.negative_outcome),
            (_TERMINATOR, scope.terminators),
            (_QUOTE, scope.quote),
        ):
            plain = [t for t in terms if not t.startswith("^")]
            anchored = [t[1:] for t in terms if t.startswith("^")]
            self._add(f"S|{kind}|0", (_TRIGGER, (kind, False)), plain)
            self._add(f"S|{kind}|1", (_TRIGGER, (kind, True)), anchored)

    def _add(self, key: str, payload: tuple[int, Any], terms: Iterable[str]) -> None:
        spellings = sorted({s for t in terms for s in expand_term(t)})
        if not spellings:
            return
        docs = [self._nlp.make_doc(s) for s in spellings]
        self._matcher.add(key, docs)
        self._keys[self._nlp.vocab.strings[key]] = payload

    # ------------------------------------------------------------------ public

    def screen(self, text: str) -> ScreenResult:
        """Screen one text; every hit's ``text`` equals ``text[start:end]``."""
        self._seen += 1
        if self._seen >= REFRESH_EVERY:
            self._compile()
            self._seen = 0
        return self._screen_doc(self._nlp.make_doc(text), text)

    def screen_many(
        self, texts: Iterable[str], batch_size: int = 256
    ) -> Iterator[ScreenResult]:
        """Screen texts in order, tokenizing them in batches (faster)."""
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= batch_size:
                yield from self._screen_batch(batch)
                batch = []
        if batch:
            yield from self._screen_batch(batch)

    def _screen_batch(self, batch: list[str]) -> Iterator[ScreenResult]:
        if self._seen >= REFRESH_EVERY:
            self._compile()
            self._seen = 0
        self._seen += len(batch)
        for doc, text in zip(self._nlp.tokenizer.pipe(batch), batch, strict=True):
            yield self._screen_doc(doc, text)

    # ---------------------------------------------------------------- internal

    def _screen_doc(self, doc: Any, text: str) -> ScreenResult:
        matches = self._matcher(doc)
        if not matches:
            return _EMPTY
        keys = self._keys
        # Cheap exit before sentence splitting: no term, and no proximity
        # pattern with every group present somewhere in the text.
        groups_seen: dict[tuple[str, int], set[int]] = {}
        has_term = False
        for m, _, _ in matches:
            kind, payload = keys[m]
            if kind == _TERM:
                has_term = True
                break
            if kind == _NEAR:
                groups_seen.setdefault(payload[:2], set()).add(payload[2])
        if not has_term and not any(
            len(seen) == self._near_groups[key] for key, seen in groups_seen.items()
        ):
            return _EMPTY

        sent_of, sent_bounds, commas, colons, quotes = _sentences(doc, self._marks)
        terms: list[_Candidate] = []
        near: dict[tuple[str, int], dict[int, list[list[tuple[int, int]]]]] = {}
        unless: set[tuple[str, int]] = set()
        unless_near: set[tuple[str, int, int]] = set()
        contexts: dict[ExploitationForm, int] = defaultdict(int)
        triggers: list[_Trigger] = []
        for match_id, start, end in matches:
            kind, payload = keys[match_id]
            sent = sent_of[start]
            if kind == _TERM:
                terms.append(_Candidate(payload[0], start, end, sent, payload[1]))
            elif kind == _NEAR:
                code, pi, gi = payload
                per_sent = near.setdefault((code, pi), {})
                groups = per_sent.setdefault(
                    sent, [[] for _ in range(self._near_groups[(code, pi)])]
                )
                groups[gi].append((start, end))
            elif kind == _UNLESS:
                unless.add((payload, sent))
            elif kind == _UNLESS_NEAR:
                unless_near.add((payload[0], payload[1], sent))
            elif kind == _CONTEXT:
                contexts[payload] += 1
            else:
                tkind, anchored = payload
                if anchored and start != sent_bounds[sent][0]:
                    continue
                triggers.append(_Trigger(tkind, start, end, sent, anchored))

        candidates = [c for c in terms if (c.code, c.sentence) not in unless]
        for (code, pi), per_sent in near.items():
            window = self._near_window[(code, pi)]
            for sent, groups in per_sent.items():
                if any(not g for g in groups):
                    continue
                if (code, sent) in unless or (code, pi, sent) in unless_near:
                    continue
                span = _complete(groups, window)
                if span is not None:
                    strength = self._near_strength[(code, pi)]
                    candidates.append(
                        _Candidate(code, span[0], span[1], sent, strength)
                    )
        candidates = [
            c
            for c in candidates
            if not self._requires[c.code]
            or any(contexts.get(f) for f in self._requires[c.code])
        ]
        if not candidates:
            return _EMPTY
        candidates = _dedupe(candidates)

        covered = [(c.start, c.end) for c in candidates]
        # A trigger inside a hit is part of the hit ("mag niet naar buiten").
        triggers = [
            t
            for t in triggers
            if not any(s <= t.start and t.end <= e for s, e in covered)
        ]
        terminators = [t.start for t in triggers if t.kind == _TERMINATOR]
        hits: list[Hit] = []
        best: dict[str, float] = {}
        for cand in candidates:
            scope = self._scope(
                cand, triggers, terminators, commas, colons, sent_bounds
            )
            weight = self._weights[cand.code] * cand.strength
            if (
                scope is Scope.ASSERTED
                and cand.strength < 1.0
                and _inside(cand, quotes)
            ):
                scope = Scope.QUOTED
            if scope is Scope.QUOTED:
                weight *= self._quoted_factor
            weight = round(weight, 4)
            s_char = doc[cand.start].idx
            e_tok = doc[cand.end - 1]
            e_char = e_tok.idx + len(e_tok.text)
            hits.append(
                Hit(cand.code, s_char, e_char, text[s_char:e_char], scope, weight)
            )
            if scope.counts:
                best[cand.code] = max(best.get(cand.code, 0.0), weight)

        remaining = 1.0
        for w in best.values():
            remaining *= 1.0 - w
        score = round(1.0 - remaining, 4)
        flagged = score >= self._threshold
        types = self._types(best, contexts) if flagged else ()
        hits.sort(key=lambda h: (h.start, h.end, h.code))
        return ScreenResult(flagged, score, types, tuple(hits))

    def _scope(
        self,
        cand: _Candidate,
        triggers: list[_Trigger],
        terminators: list[int],
        commas: list[int],
        colons: list[int],
        sent_bounds: list[tuple[int, int]],
    ) -> Scope:
        def blocked(a: int, b: int, with_commas: bool) -> bool:
            if any(a <= t < b for t in terminators):
                return True
            return with_commas and any(a <= t < b for t in commas)

        found: set[Scope] = set()
        s = cand.sentence
        for t in triggers:
            if t.sentence != s or t.kind in (_TERMINATOR, _OUTCOME):
                continue
            # A trigger may overlap the start of a hit ("geen signalen van" +
            # "signalen van mensenhandel"); it counts from where it starts.
            before = t.start < cand.start and t.end <= cand.end
            after = t.end > cand.end and t.start > cand.start
            gap_from = min(t.end, cand.start)
            short = t.end - t.start == 1
            if t.kind == _NEG_PRE and before:
                if short and cand.start - t.end > _SHORT_PRE_REACH:
                    continue
                if not blocked(gap_from, cand.start, short):
                    found.add(Scope.NEGATED)
            elif t.kind == _NEG_POST and after:
                gap_to = max(t.start, cand.end)
                if short and gap_to - cand.end > _SHORT_POST_REACH:
                    continue
                if not blocked(cand.end, gap_to, short):
                    found.add(Scope.NEGATED)
            elif t.kind == _HYP and before:
                if not blocked(gap_from, cand.start, False):
                    found.add(Scope.HYPOTHETICAL)
            elif t.kind == _CHECK and before:
                if self._negative_outcome(t, triggers, sent_bounds):
                    found.add(Scope.CHECKLIST)
                elif not any(gap_from <= c < cand.start for c in colons):
                    found.add(Scope.CHECKLIST)
            elif t.kind == _QUOTE and before:
                if not blocked(gap_from, cand.start, False):
                    found.add(Scope.QUOTED)
        for scope in (Scope.NEGATED, Scope.HYPOTHETICAL, Scope.CHECKLIST, Scope.QUOTED):
            if scope in found:
                return scope
        return Scope.ASSERTED

    @staticmethod
    def _negative_outcome(
        check: _Trigger, triggers: list[_Trigger], sent_bounds: list[tuple[int, int]]
    ) -> bool:
        nxt = check.sentence + 1
        for t in triggers:
            if t.kind != _OUTCOME:
                continue
            if t.sentence == check.sentence:
                return True
            if (
                t.sentence == nxt
                and nxt < len(sent_bounds)
                and t.start - sent_bounds[nxt][0] <= _OUTCOME_NEXT_REACH
            ):
                return True
        return False

    def _types(
        self, best: dict[str, float], contexts: dict[ExploitationForm, int]
    ) -> tuple[ExploitationForm, ...]:
        """Forms from specific evidence: sector words and narrow indicators.

        Indicators that point to three or more forms (a withheld passport) say
        nothing about the form, so they do not vote; when nothing specific is
        present, the forms all counted indicators share are returned, or none.
        """
        evidence: dict[ExploitationForm, float] = defaultdict(float)
        for code, weight in best.items():
            forms = self._forms[code]
            if len(forms) <= 2:
                for form in forms:
                    evidence[form] += weight / len(forms)
        for form, count in contexts.items():
            evidence[form] += _CONTEXT_EVIDENCE * min(count, 3)
        if not evidence:
            shared = set(ExploitationForm)
            for code in best:
                shared &= set(self._forms[code])
            return (
                tuple(f for f in ExploitationForm if f in shared)
                if len(shared) <= 2
                else ()
            )
        top = max(evidence.values())
        return tuple(
            f for f in ExploitationForm if evidence.get(f, 0.0) >= _FORM_SHARE * top
        )


@dataclass(frozen=True, slots=True)
class _Marks:
    """Hashes of the punctuation the sentence splitter looks for."""

    ends: frozenset[int]
    comma: int
    colon: int
    quotes: frozenset[int]

    @classmethod
    def of(cls, strings: Any) -> _Marks:
        return cls(
            ends=frozenset(strings.add(t) for t in _SENTENCE_END),
            comma=strings.add(","),
            colon=strings.add(":"),
            quotes=frozenset(strings.add(q) for q in _QUOTE_MARKS),
        )


def _sentences(
    doc: Any, marks: _Marks
) -> tuple[list[int], list[tuple[int, int]], list[int], list[int], list[int]]:
    """Sentence index per token, sentence bounds, comma, colon and quote positions.

    Works on the token hashes from ``doc.to_array``: creating a Python
    ``Token`` per word would cost more than the matching itself.
    """
    from spacy.attrs import IS_SPACE, ORTH

    rows = doc.to_array([ORTH, IS_SPACE]).tolist()
    sent_of: list[int] = []
    bounds: list[tuple[int, int]] = []
    commas: list[int] = []
    colons: list[int] = []
    quotes: list[int] = []
    sent = start = 0
    ends, comma, colon, quote_marks = marks.ends, marks.comma, marks.colon, marks.quotes
    for i, (orth, space) in enumerate(rows):
        sent_of.append(sent)
        if orth in ends or (space and "\n" in doc[i].text):
            bounds.append((start, i + 1))
            sent += 1
            start = i + 1
        elif orth == comma:
            commas.append(i)
        elif orth == colon:
            colons.append(i)
        elif orth in quote_marks:
            quotes.append(i)
    bounds.append((start, len(rows)))
    return sent_of, bounds, commas, colons, quotes


def _inside(cand: _Candidate, quotes: list[int]) -> bool:
    """Whether the candidate lies between a pair of quotation marks."""
    return any(
        quotes[i] < cand.start and cand.end <= quotes[i + 1]
        for i in range(0, len(quotes) - 1, 2)
    )


def _complete(
    groups: list[list[tuple[int, int]]], window: int
) -> tuple[int, int] | None:
    """The shortest span holding one phrase of every group, if within window."""
    best: tuple[int, int] | None = None
    for anchor in groups[0]:
        lo, hi = anchor
        for other in groups[1:]:
            pick = min(
                other,
                key=lambda m: (
                    max(hi, m[1]) - min(lo, m[0])
                    if not (m[0] < anchor[1] and anchor[0] < m[1])
                    else 10_000
                ),
            )
            if pick[0] < anchor[1] and anchor[0] < pick[1]:
                break
            lo, hi = min(lo, pick[0]), max(hi, pick[1])
        else:
            if hi - lo <= window and (best is None or hi - lo < best[1] - best[0]):
                best = (lo, hi)
    return best


def _dedupe(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per indicator, keep the longest of overlapping hits (strong before weak)."""
    ordered = sorted(
        candidates, key=lambda c: (-c.strength, -(c.end - c.start), c.start)
    )
    kept: list[_Candidate] = []
    for cand in ordered:
        if any(
            k.code == cand.code and cand.start < k.end and k.start < cand.end
            for k in kept
        ):
            continue
        kept.append(cand)
    return kept
