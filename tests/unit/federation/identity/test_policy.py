"""The policy table: every action has one rule, and scopes and roles are judged by it alone."""

from __future__ import annotations

import pytest

from federation.identity.models import Role
from federation.identity.policy import (
    POLICY,
    SCOPE_MEANINGS,
    SUPPORTED_SCOPES,
    Action,
    Scope,
    check_scopes,
    role_for,
)
from hub.core.errors import Forbidden, InsufficientScope


def test_every_action_has_a_rule_and_every_rule_a_scope() -> None:
    assert set(POLICY) == set(Action)
    assert all(rule.scopes for rule in POLICY.values())


def test_every_scope_is_explained_in_indonesian_and_english() -> None:
    assert set(SCOPE_MEANINGS) == set(Scope)
    assert all(indonesian and english for indonesian, english in SCOPE_MEANINGS.values())
    assert set(SUPPORTED_SCOPES) == {scope.value for scope in Scope}


def test_logging_in_alone_grants_nothing_in_procurement() -> None:
    """A token granted only what a login needs reaches no action of the table."""
    for action in Action:
        with pytest.raises(InsufficientScope) as refused:
            check_scopes(action, {"openid", "profile", "email", "offline_access"})
        assert refused.value.scopes == tuple(scope.value for scope in POLICY[action].scopes)


def test_read_only_scopes_reach_reads_and_never_changes() -> None:
    changes = [
        Action.AGENCY_ADD,
        Action.TENDER_PREPARE,
        Action.TENDER_RUN,
        Action.CONTRACT_SIGN,
        Action.VENDOR_ACT,
    ]
    for scope in (Scope.TENDERS_READ, Scope.AUDIT_READ, Scope.REVIEW_READ):
        for action in changes:
            with pytest.raises(InsufficientScope):
                check_scopes(action, {scope.value})
    check_scopes(Action.AUDIT_READ, {"audit:read"})
    check_scopes(Action.REVIEW_READ, {"review:read"})
    check_scopes(Action.OFFICIAL_READ, {"tenders:read"})
    check_scopes(Action.TENDER_FOLLOW, {"tenders:read"})


def test_the_procurement_scope_reaches_every_action() -> None:
    for action in Action:
        check_scopes(action, {"lpse"})


def test_a_role_missing_is_refused_with_the_roles_that_would_do() -> None:
    with pytest.raises(Forbidden, match="commitment_officer in this tenant"):
        role_for(Action.CONTRACT_SIGN, {Role.SELECTION_COMMITTEE, Role.AUDITOR})
    assert role_for(Action.TENDER_RUN, {Role.PROCUREMENT_OFFICER}) == Role.PROCUREMENT_OFFICER
    assert role_for(Action.VENDOR_ACT, set()) is None  # any active account: a vendor's user


def test_a_hub_wide_action_ignores_a_regency_role() -> None:
    with pytest.raises(Forbidden, match="hub-wide"):
        role_for(Action.REVIEW_READ, {Role.TENANT_ADMIN, Role.AUDITOR})
    assert role_for(Action.REVIEW_READ, {Role.PROVINCE_AUDITOR}) == Role.PROVINCE_AUDITOR
