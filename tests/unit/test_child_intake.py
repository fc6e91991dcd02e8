"""A child's details entering care are tidied like chat text (pure rules)."""

from __future__ import annotations

from datetime import date

from advocacy.pairing.intake import check_child

TODAY = date(2026, 12, 5)


def test_control_and_bidi_override_characters_are_dropped_from_every_text_field():
    fields, problems = check_child({"name": "Da\u202ena\x00 ", "la": "E1", "ref": "LA\u2066-12\x07",
                                    "languages": ["en\u202e", "p\x00l"], "gender_preference": "\u2067female"},
                                   {"E1"}, TODAY)
    assert problems == []
    assert fields["name"] == "Dana" and fields["ref"] == "LA-12" and fields["languages"] == ["en", "pl"]
    assert fields["prefers"]["gender"] == "female"


def test_a_field_of_only_invisible_characters_is_refused_naming_it():
    _, problems = check_child({"name": "\u200b\u202e\x00", "la": "E1", "ref": "\u2066\u2069"}, {"E1"}, TODAY)
    assert any(p.startswith('"name"') for p in problems) and any(p.startswith('"ref"') for p in problems)


def test_a_language_given_by_name_is_stored_as_the_code_advocates_are_given_so_they_match():
    fields, problems = check_child({"name": "Dana", "la": "E1", "languages": "Polish; ENGLISH; pl; Klingon"},
                                   {"E1"}, TODAY)
    assert problems == [] and fields["languages"] == ["pl", "en", "Klingon"]
