"""Engine behaviour as case tables: one positive and one negative per indicator,
scope (negation, hypothetical, checklist, quote), spans, score and forms."""

from typing import TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schakel.screening import Scope, Screener, ScreenResult, load_lexicon
from schakel.taxonomy import load_taxonomy
from schakel.vocabulary import ExploitationForm


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener()


class IndicatorCase(TypedDict):
    positive: str
    negative: str


# Positive: the indicator is found and counts. Negative: a sentence about the
# same topic in which it must not count (absent, cancelled or negated).
INDICATORS: dict[str, IndicatorCase] = {
    "withheld_documents": {
        "positive": "De werkgever heeft haar paspoort ingenomen.",
        "negative": "Btr. verloor zijn paspoort in de trein en vraagt een nieuw aan.",
    },
    "debt_bondage": {
        "positive": "Hij moet een schuld van 3000 euro aan de bemiddelaar afbetalen.",
        "negative": "Hij heeft een studieschuld bij DUO die hij maandelijks aflost.",
    },
    "withheld_earnings": {
        "positive": "Ze moest al haar geld afgeven aan haar vriend.",
        "negative": "Ze krijgt haar loon elke maand op haar eigen rekening.",
    },
    "financial_control": {
        "positive": "De ploegbaas heeft de bankpassen van de werknemers ingenomen.",
        "negative": "Haar bankpas is gestolen en door de bank geblokkeerd.",
    },
    "restricted_movement": {
        "positive": "De vrouwen mogen het pand niet verlaten.",
        "negative": "Verdachte kreeg huisarrest en mocht de woning niet verlaten.",
    },
    "isolation": {
        "positive": "Zij mag geen contact hebben met haar familie.",
        "negative": "Zij belt elke week met haar familie.",
    },
    "controlled_communication": {
        "positive": "Een man voerde het woord en liet haar niet zelf praten.",
        "negative": "Zij beantwoordde alle vragen zelf en rustig.",
    },
    "physical_violence": {
        "positive": "Ze werd geslagen door de eigenaar van de club.",
        "negative": "Na een vechtpartij in het uitgaansgebied werd een man geslagen.",
    },
    "sexual_violence": {
        "positive": "Zij werd door de exploitant verkracht.",
        "negative": "Zij volgde een cursus weerbaarheid op school.",
    },
    "threats": {
        "positive": "De werkgever dreigde zijn familie iets aan te doen.",
        "negative": "De buurman dreigde met een advocaat na een burenruzie.",
    },
    "threat_of_authorities": {
        "positive": "De baas dreigde met uitzetting als hij zou klagen.",
        "negative": "Hij wil aangifte doen bij de politie van de inbraak.",
    },
    "coercion": {
        "positive": "Hij werd gedwongen om door te werken terwijl hij ziek was.",
        "negative": "Het bedrijf werd door de rechter gedwongen te sluiten.",
    },
    "fear_of_exploiter": {
        "positive": "De werknemer is bang voor de voorman en durfde niets te zeggen.",
        "negative": "De werknemer is tevreden over zijn leidinggevende.",
    },
    "deception": {
        "positive": "Zij werd met valse beloften over werk naar Nederland gehaald.",
        "negative": "De aannemer beloofde de verbouwing voor de zomer af te ronden.",
    },
    "abuse_of_vulnerability": {
        "positive": "Betrokkene heeft een licht verstandelijke beperking.",
        "negative": "Betrokkene studeert rechten aan de universiteit.",
    },
    "withheld_medical_care": {
        "positive": "Hij mocht niet naar de dokter van zijn baas.",
        "negative": "Hij is door zijn huisarts doorverwezen naar het ziekenhuis.",
    },
    "substances_as_control": {
        "positive": "Ze werd betaald in drugs en verslaafd gemaakt.",
        "negative": "Ze volgt een behandeling voor haar alcoholgebruik.",
    },
    "housing_dependency": {
        "positive": "De arbeiders slapen op de werkplek tussen de machines.",
        "negative": "De arbeiders wonen zelfstandig in het dorp.",
    },
    "excessive_hours": {
        "positive": "Ze werkt zeven dagen per week zonder vrije dag.",
        "negative": "Ze werkt vier dagen per week volgens haar contract.",
    },
    "abusive_conditions": {
        "positive": "De mannen wonen in erbarmelijke omstandigheden.",
        "negative": "De woning is goed onderhouden en schoon.",
    },
    "very_low_pay": {
        "positive": "De werknemers krijgen 3 euro per uur.",
        "negative": "De werknemers krijgen het cao-loon met toeslagen.",
    },
    "unaware_of_address": {
        "positive": "Zij wist niet voor wie ze werkte en kende het adres niet.",
        "negative": "Zij noemde haar adres en haar werkgever zonder aarzelen.",
    },
    "moved_around": {
        "positive": "De vrouwen worden steeds verplaatst van hotel naar hotel.",
        "negative": "Het echtpaar maakte een rondreis van hotel naar hotel.",
    },
    "minimum_earnings": {
        "positive": "Zij moet per nacht minimaal 500 euro opleveren.",
        "negative": "De winkel moet per dag minimaal tien klanten trekken (omzet).",
    },
    "forced_sex_work": {
        "positive": "Zij werd gedwongen tot prostitutie.",
        "negative": "Zij werkt zelfstandig als sekswerker met vergunning.",
    },
    "third_party_control": {
        "positive": "Haar pooier plaatst de advertenties en regelt de klanten.",
        "negative": "Zij plaatst haar eigen advertenties op een website voor kappers.",
    },
    "loverboy_grooming": {
        "positive": "Het meisje heeft een veel oudere vriend met veel geld.",
        "negative": "Het meisje heeft een vriendje uit haar klas.",
    },
    "branding_tattoo": {
        "positive": "Zij heeft een tatoeage met de naam van haar pooier.",
        "negative": "Zij heeft een tatoeage van een roos op haar arm.",
    },
    "forced_criminality": {
        "positive": "Hij werd ingezet als drugsrunner door een groep.",
        "negative": "Hij verkocht zelf drugs vanuit zijn woning voor eigen gebruik.",
    },
    "street_fine": {
        "positive": "Na het kwijtraken van het pakket kreeg hij een straatboete.",
        "negative": "Hij kreeg een verkeersboete voor te hard rijden.",
    },
    "identity_misuse": {
        "positive": "Hij heeft zijn bankrekening verhuurd aan onbekenden.",
        "negative": "Hij heeft een bankrekening geopend bij een nieuwe bank.",
    },
    "recruitment_of_minors": {
        "positive": "Jongeren worden benaderd via Snapchat voor snel geld.",
        "negative": "Jongeren worden benaderd voor een vacature in de supermarkt.",
    },
    "youth_warning_signs": {
        "positive": "Zij heeft opeens dure spullen en spijbelt.",
        "negative": "Zij gaat trouw naar school.",
    },
    "organ_removal": {
        "positive": "Hij moest een nier verkopen om zijn schuld af te lossen.",
        "negative": "Hij staat op de wachtlijst voor nierdialyse in het ziekenhuis.",
    },
    "reported_suspicion": {
        "positive": "Er is een vermoeden van mensenhandel.",
        "negative": "De wijkagent schreef een bekeuring uit voor fout parkeren.",
    },
}


def counting(result: ScreenResult) -> set[str]:
    return {h.code for h in result.indicators if not h.negated}


def test_every_taxonomy_indicator_has_a_case():
    assert set(INDICATORS) == set(load_taxonomy().codes)


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_indicator_positive_sentence(screener, code):
    result = screener.screen(INDICATORS[code]["positive"])
    assert code in counting(result)


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_indicator_negative_sentence(screener, code):
    result = screener.screen(INDICATORS[code]["negative"])
    assert code not in counting(result)


class ScopeCase(TypedDict):
    text: str
    code: str
    scope: Scope


SCOPES: list[ScopeCase] = [
    {
        "text": "Geen aanwijzingen voor mensenhandel.",
        "code": "reported_suspicion",
        "scope": Scope.NEGATED,
    },
    {
        "text": "Btr. wordt niet bedreigd door de werkgever.",
        "code": "threats",
        "scope": Scope.NEGATED,
    },
    {
        "text": "Betrokkene ontkent dat haar paspoort is ingenomen.",
        "code": "withheld_documents",
        "scope": Scope.NEGATED,
    },
    {
        "text": "Dat de werkgever de paspoorten inneemt, is niet gebleken.",
        "code": "withheld_documents",
        "scope": Scope.NEGATED,
    },
    {
        "text": "Gecontroleerd op signalen van mensenhandel: niets aangetroffen.",
        "code": "reported_suspicion",
        "scope": Scope.CHECKLIST,
    },
    {
        "text": "Gevraagd naar schulden bij de werkgever. Niets aangetroffen.",
        "code": "debt_bondage",
        "scope": Scope.CHECKLIST,
    },
    {
        "text": "Indien de werkgever het paspoort inneemt, bel dan 112.",
        "code": "withheld_documents",
        "scope": Scope.HYPOTHETICAL,
    },
    {
        "text": "Voorlichting gegeven over loverboys en hun werkwijze.",
        "code": "loverboy_grooming",
        "scope": Scope.HYPOTHETICAL,
    },
    {
        "text": "Klant noemde het 'uitbuiting' dat het broodje 5 euro kost.",
        "code": "reported_suspicion",
        "scope": Scope.QUOTED,
    },
    {
        "text": 'De bewoner riep "dit is mensenhandel" tegen de huisbaas.',
        "code": "reported_suspicion",
        "scope": Scope.QUOTED,
    },
    {
        "text": "Zij mag niet naar buiten van haar vriend.",
        "code": "restricted_movement",
        "scope": Scope.ASSERTED,
    },
    {
        "text": "Geen loon ontvangen, wel 7 dagen per week gewerkt.",
        "code": "excessive_hours",
        "scope": Scope.ASSERTED,
    },
    {
        "text": "Gecontroleerd op signalen: paspoort ingenomen door de baas.",
        "code": "withheld_documents",
        "scope": Scope.ASSERTED,
    },
]


@pytest.mark.parametrize("case", SCOPES, ids=[c["text"][:40] for c in SCOPES])
def test_scope(screener, case):
    hits = [
        h for h in screener.screen(case["text"]).indicators if h.code == case["code"]
    ]
    assert hits, case["code"]
    assert {h.scope for h in hits} == {case["scope"]}


@pytest.mark.parametrize(
    "text",
    [
        "Gecontroleerd op signalen van uitbuiting: geen aanwijzingen aangetroffen.",
        "Geen signalen van mensenhandel, schulden of ingenomen paspoorten gezien.",
        "Indien een werknemer zijn paspoort moet afgeven of een schuld moet afbetalen, "
        "meld dit dan.",
        "Training gevolgd over signalen zoals ingenomen paspoorten en schulden bij de "
        "werkgever.",
    ],
)
def test_negated_and_hypothetical_never_flag(screener, text):
    result = screener.screen(text)
    assert not result.flagged
    assert result.types == ()


def test_one_weak_indicator_in_a_long_unrelated_text_does_not_flag(screener):
    filler = "Verkeerscontrole op de A2, bestuurder had geen licht aan. " * 40
    result = screener.screen(filler + "De jongen spijbelt soms.")
    assert counting(result) == {"youth_warning_signs"}
    assert not result.flagged


def test_several_independent_indicators_flag(screener):
    result = screener.screen(
        "Btr. werkt in de kas, de werkgever heeft zijn paspoort ingenomen, "
        "hij slaapt op de werkplek en moet een schuld aan de bemiddelaar afbetalen."
    )
    assert result.flagged
    assert counting(result) >= {
        "withheld_documents",
        "housing_dependency",
        "debt_bondage",
    }
    assert result.types == (ExploitationForm.LABOUR,)


def test_score_combines_indicators_as_noisy_or(screener):
    result = screener.screen(
        "De werkgever heeft haar paspoort ingenomen. Ze werkt 7 dagen per week."
    )
    weights = {h.code: h.weight for h in result.indicators if not h.negated}
    expected = 1 - (1 - weights["withheld_documents"]) * (
        1 - weights["excessive_hours"]
    )
    assert result.score == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (
            "Zij moet klanten ontvangen in de club en haar pooier houdt haar paspoort.",
            ExploitationForm.SEXUAL,
        ),
        (
            "Hij moest drugs rondbrengen voor oudere jongens en heeft een straatboete.",
            ExploitationForm.CRIMINAL,
        ),
        (
            "Hij moest een nier verkopen om de schuld aan de tussenpersoon te betalen.",
            ExploitationForm.ORGAN_REMOVAL,
        ),
        (
            "De werknemers in de kas krijgen 3 euro per uur en slapen in de loods; "
            "de werkgever heeft hun paspoorten.",
            ExploitationForm.LABOUR,
        ),
    ],
)
def test_form_follows_from_the_indicators(screener, text, form):
    result = screener.screen(text)
    assert result.flagged
    assert form in result.types


def test_not_flagged_means_no_types(screener):
    result = screener.screen("De buurman zet zijn kliko te vroeg buiten.")
    assert result == ScreenResult(False, 0.0, (), ())


def test_officer_abbreviations_are_expanded(screener):
    result = screener.screen("Wg. heeft paspoort van btr. i.v.m. 'de administratie'.")
    assert "withheld_documents" in counting(result)


def test_to_dict_is_the_contract_shape(screener):
    out = screener.screen("De werkgever heeft haar paspoort ingenomen.").to_dict()
    assert set(out) == {"flagged", "score", "types", "indicators"}
    indicators = out["indicators"]
    assert isinstance(indicators, list)
    hit = indicators[0]
    assert {"code", "start", "end", "text", "negated"} <= set(hit)


def test_spans_equal_the_text_slice_on_the_dev_set(screener):
    import json
    from pathlib import Path

    path = Path(__file__).parent.parent / "data" / "screening_dev.jsonl"
    for line in path.read_text("utf-8").splitlines():
        text = json.loads(line)["text"]
        for hit in screener.screen(text).indicators:
            assert text[hit.start : hit.end] == hit.text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "paspoort",
                "ingenomen",
                "geen",
                "niet",
                "werkgever",
                "schuld",
                "afbetalen",
                ".",
                ",",
                ":",
                '"',
                "\n",
                "Btr.",
                "mag",
                "naar",
                "buiten",
                "é",
                "  ",
                "mensenhandel",
                "gecontroleerd op",
                "niets aangetroffen",
                "7 dagen per week",
            ]
        ),
        max_size=40,
    )
)
def test_spans_and_score_invariants(screener, words):
    text = " ".join(words)
    result = screener.screen(text)
    assert 0.0 <= result.score <= 1.0
    assert result.flagged == (result.score >= load_lexicon().spec.threshold)
    assert bool(result.types) <= result.flagged
    for hit in result.indicators:
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.text


def test_screen_many_equals_screen(screener):
    texts = [c["positive"] for c in INDICATORS.values()] + ["", "  ", "Geen."]
    assert list(screener.screen_many(texts, batch_size=7)) == [
        screener.screen(t) for t in texts
    ]


def test_engine_imports_neither_typer_nor_web_stack():
    import subprocess
    import sys

    code = (
        "import sys, schakel.screening, schakel.taxonomy; "
        "bad = {'typer', 'fastapi', 'sqlalchemy'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_public_surface():
    import schakel.screening as pkg

    assert pkg.__all__ == sorted(pkg.__all__)
    for name in pkg.__all__:
        assert hasattr(pkg, name)
