"""Session-bound form tokens: valid only for the session, the purpose and the secret they were made for."""

from __future__ import annotations

from ai4d_core.security.tokens import form_token, form_token_valid, new_token, token_hash

SECRET = "a test secret of more than thirty-two characters"


def test_a_token_holds_only_for_its_own_session_purpose_and_secret() -> None:
    mine, theirs = token_hash(new_token()), token_hash(new_token())
    token = form_token(SECRET, "export", mine)
    assert form_token_valid(SECRET, "export", mine, token)
    assert form_token(SECRET, "export", mine) == token, "a page reloaded in the same session gets the same token"
    assert not form_token_valid(SECRET, "export", theirs, token), "another session's page"
    assert not form_token_valid(SECRET, "erase", mine, token), "another form's purpose"
    assert not form_token_valid(SECRET + "!", "export", mine, token), "another deployment's secret"
    assert not form_token_valid(SECRET, "export", mine, token.upper())


def test_malformed_candidates_are_refused_not_errors() -> None:
    mine = token_hash(new_token())
    for candidate in ("", "0" * 64, "é" * 64, "\x00", form_token(SECRET, "export", mine)[:-1]):
        assert not form_token_valid(SECRET, "export", mine, candidate)
