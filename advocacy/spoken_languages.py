"""The languages a child or an advocate speaks (pure, no I/O).

Not the languages the pages are translated into: those are ``advocacy.languages``.

Stored as ISO 639-1 codes ("pl"), which is what children's records and the
pairing solver compare; shown by their English name ("Polish"). An advocate's
code not in this list is refused (advocacy.team.staff), and a child's language
given by name ("Polish", in an import) is stored as its code
(advocacy.pairing.intake), so the two always match.
Add a language here (code and English name) when the service needs it.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {
    "ar": "Arabic", "bn": "Bengali", "bg": "Bulgarian", "zh": "Chinese", "cy": "Welsh", "cs": "Czech",
    "en": "English", "fa": "Persian (Farsi)", "fr": "French", "de": "German", "el": "Greek", "gu": "Gujarati",
    "hi": "Hindi", "hu": "Hungarian", "it": "Italian", "ku": "Kurdish", "lt": "Lithuanian", "lv": "Latvian",
    "ne": "Nepali", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "so": "Somali", "es": "Spanish", "sq": "Albanian", "ta": "Tamil",
    "ti": "Tigrinya", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "yo": "Yoruba",
    "am": "Amharic", "sw": "Swahili", "tl": "Tagalog", "ml": "Malayalam",
}


_BY_NAME = {name.lower(): code for code, name in LANGUAGES.items()}


def code_for(text: str) -> str:
    """A child's language as the list's code: "Polish", "polish" and "PL" are all "pl". Text the list does
    not know is kept as it was given (it matches an advocate only if written the same)."""
    key = text.strip().lower()
    if key in LANGUAGES:
        return key
    return _BY_NAME.get(key, text)


def name_of(code: str) -> str:
    return LANGUAGES.get(code, code)


def by_name() -> list[tuple[str, str]]:
    """(code, name) pairs in the order of their names, for a list to choose from."""
    return sorted(LANGUAGES.items(), key=lambda item: item[1])
