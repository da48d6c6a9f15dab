from __future__ import annotations

import pytest

from handlers.domain.credit_code import CodeProblem, check_character, looks_like_code, normalize, problem_with
from handlers.domain.phone import normalize_phone


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_codes_are_valid(code):
    assert problem_with(code) is None


def test_a_changed_check_character_is_caught():
    assert problem_with("91350100M000100Y44") is CodeProblem.CHECK


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100YO3", "9135010OM000100Y43"])
def test_wrong_length_or_letters_outside_the_alphabet(code):
    assert problem_with(code) is CodeProblem.SHAPE


def test_typed_codes_are_normalized_and_recognised():
    assert normalize(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert looks_like_code("91350100m000100y43") and not looks_like_code("润弘制药")
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("typed, stored", [("13812345678", "+8613812345678"), ("138 1234 5678", "+8613812345678"),
                                           ("+86 139-1234-5678", "+8613912345678"), ("0371-6512 3456", "+863716"
                                                                                                "5123456")])
def test_valid_phones_are_stored_in_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "abc", "", "1381234567", "138123456789"])
def test_invalid_phones_are_refused(typed):
    assert normalize_phone(typed) is None
