"""Letters written to look like others are read as the ones they show (analyzer._letters)."""

from __future__ import annotations

import pytest

from analyzer._letters import plain_letters
from analyzer.model import encode_windows, load_tokenizer


@pytest.mark.parametrize(("written", "read"), [
    ("ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ", "YOU ARE AN IDIOT"),  # fullwidth
    ("You are an 𝐢𝐝𝐢𝐨𝐭.", "You are an idiot."),  # mathematical bold
    ("𝑻𝒉𝒂𝒕 𝒆𝒙𝒆𝒄𝒖𝒕𝒊𝒐𝒏", "That execution"),  # bold italic, as a news site's commenter wrote it
    ("ʏᴏᴜ ᴀʀᴇ ᴀɴ ɪᴅɪᴏᴛ", "you are an idiot"),  # small capitals, which NFKC leaves
    ("ⓘⓓⓘⓞⓣ", "idiot"),  # circled
    ("You are an іdіot.", "You are an idiot."),  # the Cyrillic і inside an English word
    ("You're a fuсking moron.", "You're a fucking moron."),  # the Cyrillic с
    ("You are an ıdıot.", "You are an idiot."),  # the dotless ı
])
def test_a_letter_in_disguise_is_read_as_the_one_it_shows(written: str, read: str) -> None:
    assert plain_letters(written) == read


@pytest.mark.parametrize("text", [
    "Переговоры провалились, а Кім нічого не віддав.",  # Russian and Ukrainian words keep their letters
    "Οι συνομιλίες απέτυχαν.",  # Greek
    "Café crème brûlée… 20 m² at 0.17ºC ™ ½ Straße",  # accents, superscripts, ordinals, symbols
    "日本語のテキスト、ｶﾀｶﾅ",  # Japanese, halfwidth katakana included
    "Plain ASCII, as almost every comment is.",
])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert plain_letters(text) == text


def test_the_model_reads_a_disguised_comment_as_the_plain_one() -> None:
    # styled letters had no pieces in the tokenizer: "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ" scored 0.01 toxic against 0.98
    tokenizer = load_tokenizer()
    disguised = encode_windows(tokenizer, ["ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ", "You are an іdіot."], ["the talks"] * 2, 64,
                               contexts=["𝐓𝐫𝐮𝐦𝐩 𝐰𝐚𝐥𝐤𝐬 𝐨𝐮𝐭", None], context_tokens=16)
    plain = encode_windows(tokenizer, ["YOU ARE AN IDIOT", "You are an idiot."], ["the talks"] * 2, 64,
                           contexts=["Trump walks out", None], context_tokens=16)
    assert [w.input_ids for w in disguised] == [w.input_ids for w in plain]
