"""The intake profile file: valid as shipped, and a broken one is refused on load."""

import copy
from importlib.resources import files
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from schakel.signals import intake_profile, load_intake_profiles, parse_intake_profiles
from schakel.vocabulary import ExploitationForm, OrgType


def _shipped() -> dict[str, Any]:
    text = files("schakel.signals").joinpath("intake_profiles.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_every_partner_type_gets_a_profile_with_every_form_once() -> None:
    for org_type in OrgType:
        order = intake_profile(org_type).form_order()
        assert sorted(order) == sorted(ExploitationForm), org_type


def test_partner_specific_profiles_differ_from_the_default() -> None:
    profiles = load_intake_profiles()
    labour = intake_profile(OrgType.LABOUR_INSPECTORATE)
    assert labour.form_order()[0] is ExploitationForm.LABOUR
    assert intake_profile(OrgType.YOUTH_CARE).source.value == "intake"
    assert intake_profile(OrgType.RIEC) == profiles.default


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("profiles", "municipality", "forms_first"), ["slavery"], "forms_first"),
        (
            ("profiles", "municipality", "forms_first"),
            ["labour_exploitation", "labour_exploitation"],
            "twee keer",
        ),
        (("profiles", "municipality", "source"), "rumour", "source"),
        (("profiles", "municipality", "colour"), "red", "colour"),
        (("default", "intro"), "kort", "intro"),
    ],
)
def test_a_broken_profile_file_is_refused(
    path: tuple[str, ...], value: object, message: str
) -> None:
    data = copy.deepcopy(_shipped())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError, match=message):
        parse_intake_profiles(data)


def test_an_unknown_partner_type_is_refused() -> None:
    data = copy.deepcopy(_shipped())
    data["profiles"]["bakery"] = data["default"]
    with pytest.raises(ValidationError, match="bakery"):
        parse_intake_profiles(data)
