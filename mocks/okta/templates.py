"""Per-locale message templates, as an Okta org renders its SMS and voice templates into
``messageProfile.msgTemplate`` (CONTRACT.md §1). The OTP is part of the rendered text, so the
result is a secret: never log it."""

from __future__ import annotations

SMS: dict[str, str] = {
    "en": "Your verification code is {code}.",
    "fr": "Votre code de vérification est {code}.",
    "de": "Ihr Bestätigungscode lautet {code}.",
    "es": "Su código de verificación es {code}.",
    "it": "Il tuo codice di verifica è {code}.",
    "pt": "Seu código de verificação é {code}.",
    "nl": "Uw verificatiecode is {code}.",
    "ja": "確認コードは {code} です。",
    "zh": "您的验证码是 {code}。",
}
VOICE: dict[str, str] = {
    "en": "Your verification code is {code}. Again, your code is {code}.",
    "fr": "Votre code de vérification est {code}. Je répète, votre code est {code}.",
    "de": "Ihr Bestätigungscode lautet {code}. Noch einmal, Ihr Code lautet {code}.",
    "es": "Su código de verificación es {code}. Repito, su código es {code}.",
}
DEFAULT_LANGUAGE = "en"


def language(locale: str) -> str:
    """``EN-US``, ``en_NZ`` and ``en`` all mean ``en``."""
    return locale.replace("_", "-").split("-", 1)[0].strip().lower() or DEFAULT_LANGUAGE


def render(locale: str, code: str, *, voice: bool) -> str:
    """The message in the locale's language (English when the org has no translation).
    Voice messages read the digits one by one."""
    table = VOICE if voice else SMS
    template = table.get(language(locale), table[DEFAULT_LANGUAGE])
    return template.format(code=" ".join(code) if voice else code)
