"""The shipped register and retention files load, cross-check and cite sources."""

import doctest

import pytest

from schakel.audit import _checkpoint, _logboek, register_base, retention_policies


def test_every_policy_has_a_citation_and_a_period_or_says_so():
    for policy in retention_policies().policies:
        assert policy.citation
        assert policy.period or "nog vast te stellen" in policy.period_nl


def test_platform_activities_reference_known_policies():
    known = {p.id for p in retention_policies().policies}
    assert {a.retention for a in register_base().platform_activities} <= known


@pytest.mark.parametrize(
    ("action", "activity"),
    [
        ("login.failed", "accountbeheer"),
        ("share_check.ask", "toetsing"),
        ("share_decision.view", "toetsing"),
        ("audit.export", "auditlog"),
        ("subject_access.report", "rechten_betrokkenen"),
        ("rectification.executed", "rechten_betrokkenen"),
        ("signal.hold", "rechten_betrokkenen"),
        ("signal.view", "platform"),
        ("something.new", "platform"),
    ],
)
def test_actions_map_to_activities(action, activity):
    assert register_base().activity_for_action(action) == activity


@pytest.mark.parametrize("module", [_checkpoint, _logboek])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
