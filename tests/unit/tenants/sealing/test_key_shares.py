"""A tender key in shares: any k of n rebuild it, fewer do not, and a share opens only for its
holder and slot."""

from __future__ import annotations

import itertools

import pytest

from hub.core.errors import InvalidInput
from tenants.sealing.errors import ShareRefused
from tenants.sealing.key_shares import (
    combine_shares,
    holder_context,
    load_member_key_pem,
    majority,
    member_key_pem,
    new_x25519_key,
    opening_context,
    raw_private,
    raw_public,
    recovery_key_from_words,
    recovery_key_words,
    seal_share,
    share_digest,
    split_tender_key,
    unseal_share,
)
from tenants.sealing.tender_keys import derive_public_key, generate_tender_keypair


@pytest.mark.parametrize(("threshold", "holders"), [(1, 2), (2, 3), (3, 6), (4, 6), (6, 6)])
def test_any_threshold_of_the_shares_rebuild_the_key(threshold: int, holders: int) -> None:
    private, public = generate_tender_keypair()
    shares = split_tender_key(private, threshold=threshold, holders=holders)
    assert len(shares) == len(set(shares)) == holders
    for chosen in itertools.combinations(shares, threshold):
        assert derive_public_key(combine_shares(list(chosen), threshold=threshold)) == public


def test_fewer_shares_than_the_threshold_are_refused() -> None:
    private, _ = generate_tender_keypair()
    shares = split_tender_key(private, threshold=3, holders=5)
    with pytest.raises(ShareRefused) as refused:
        combine_shares(shares[:2], threshold=3)
    assert refused.value.reason == "too-few"


def test_a_share_of_another_tender_does_not_combine() -> None:
    ours = split_tender_key(generate_tender_keypair()[0], threshold=2, holders=3)
    theirs = split_tender_key(generate_tender_keypair()[0], threshold=2, holders=3)
    with pytest.raises(ShareRefused) as refused:
        combine_shares([ours[0], theirs[1]], threshold=2)
    assert refused.value.reason == "wrong-share"


def test_a_share_with_a_changed_word_does_not_combine() -> None:
    shares = split_tender_key(generate_tender_keypair()[0], threshold=2, holders=3)
    words = shares[1].split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(ShareRefused):
        combine_shares([shares[0], " ".join(words)], threshold=2)


@pytest.mark.parametrize(("threshold", "holders"), [(0, 3), (4, 3), (2, 17)])
def test_an_impossible_threshold_is_refused(threshold: int, holders: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        split_tender_key(bytes(32), threshold=threshold, holders=holders)


def test_the_default_threshold_is_a_majority() -> None:
    assert [majority(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]


def test_a_sealed_share_opens_only_with_its_holders_key_and_for_its_slot() -> None:
    member, stranger = new_x25519_key(), new_x25519_key()
    share = split_tender_key(generate_tender_keypair()[0], threshold=2, holders=3)[0]
    sealed = seal_share(share, raw_public(member), context=holder_context("3507", 12, 0))
    assert unseal_share(sealed, member, context=holder_context("3507", 12, 0)) == share
    for key, context in [
        (stranger, holder_context("3507", 12, 0)),
        (member, holder_context("3507", 12, 1)),  # moved to another slot
        (member, holder_context("3507", 13, 0)),  # moved to another tender
        (member, opening_context("3507", 12, 0)),  # a holder's share is not a given-back share
    ]:
        with pytest.raises(ShareRefused) as refused:
            unseal_share(sealed, key, context=context)
        assert refused.value.reason == "does-not-open"
    with pytest.raises(ShareRefused):
        unseal_share(sealed[:-1] + bytes([sealed[-1] ^ 1]), member, context=holder_context("3507", 12, 0))


def test_a_share_is_named_by_its_sha256() -> None:
    assert share_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_member_key_file_opens_with_its_passphrase_only() -> None:
    private = new_x25519_key()
    pem = member_key_pem(private, b"kata sandi panjang")
    assert b"ENCRYPTED" in pem
    assert raw_private(load_member_key_pem(pem, b"kata sandi panjang")) == raw_private(private)
    with pytest.raises(InvalidInput, match="does not open"):
        load_member_key_pem(pem, b"salah")
    with pytest.raises(InvalidInput, match="passphrase"):
        member_key_pem(private, b"")


def test_a_recovery_key_goes_to_paper_as_33_words_and_back() -> None:
    private = new_x25519_key()
    words = recovery_key_words(private)
    assert len(words.split()) == 33
    retyped = "\n  ".join(words.split())  # as copied from paper, line breaks and all
    assert raw_private(recovery_key_from_words(retyped)) == raw_private(private)
    mistyped = words.split()
    mistyped[10] = "academic" if mistyped[10] != "academic" else "acid"
    with pytest.raises(InvalidInput, match="do not read"):
        recovery_key_from_words(" ".join(mistyped))
