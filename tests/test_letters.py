"""Letters written to look like others are read as the ones they show (analyzer._letters)."""

from __future__ import annotations

import pytest

from analyzer._letters import known_words, plain_letters
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
    ("Those реорlе", "Those people"),  # mostly Cyrillic look-alikes, with a Latin l: no Russian word is written so
])
def test_a_letter_in_disguise_is_read_as_the_one_it_shows(written: str, read: str) -> None:
    assert plain_letters(written) == read


@pytest.mark.parametrize("text", [
    "Переговоры провалились, а Кім нічого не віддав.",  # Russian and Ukrainian words keep their letters
    "Эта cобака",  # a Latin c slipped into a Russian word whose other letters are not all look-alikes
    "Οι συνομιλίες απέτυχαν.",  # Greek
    "Café crème brûlée… 20 m² at 0.17ºC ™ ½ Straße",  # accents, superscripts, ordinals, symbols
    "日本語のテキスト、ｶﾀｶﾅ",  # Japanese, halfwidth katakana included
    "Plain ASCII, as almost every comment is.",
])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert plain_letters(text) == text


@pytest.mark.parametrize(("written", "read"), [
    ("You are an i d i o t.", "You are an idiot."),  # spelled out
    ("What a piece of s.h.i.t", "What a piece of shit"),
    ("you are a s h i t", "you are a shit"),  # "a" opens the run of single letters
    ("y o u a r e a n i d i o t", "you are an idiot"),  # words run together: the likeliest split, not "arean"
    ("a m-o-r-o-n, and a s_t_u_p_i_d one", "a moron, and a stupid one"),  # "moron" is no whole word of the model's
    ("You are an 1d10t.", "You are an idiot."),  # digits for letters, "1" as "i"
    ("go k1ll yourself", "go kill yourself"),  # "k1ll": "1" as "i"
    ("ur an 1diot, a 5hit", "ur an idiot, a shit"),  # one digit opening the word
    ("I can't st@nd this f00l", "I can't stand this fool"),
    ("you b!tch, you a$$hole, $hit!", "you bitch, you asshole, shit!"),  # signs for letters; "!" after a word stays
    ("You're an idiiiiiot and it's sooo coooool", "You're an idiot and it's sooo cool"),  # drawn out
    ("Q&amp;A: don&#8217;t, you &#105;&#100;&#105;&#111;&#116;", "Q&A: don’t, you idiot"),  # HTML references
    ("see example.org/?a=1&para=2 &nosuch", "see example.org/?a=1&para=2 &nosuch"),  # none without its ";"
])
def test_a_word_written_around_a_filter_is_read_as_the_word_it_spells(written: str, read: str) -> None:
    assert plain_letters(written, known_words(load_tokenizer())) == read


@pytest.mark.parametrize("text", [
    "The H1N1 and COVID19 vaccines, 10am, mp3, the G20, C3PO, B2B, win10, 4th, 3rd, 1080p, 4chan, 3com, 5star",  # codes: no word hides in them
    "The U.S.A. and the C.I.A., J.R.R. Tolkien, P.E.I., a b c",  # abbreviations and short runs of letters
    "WWIII, Louis XIII, Hmmm, sooo, zzz",  # Roman numerals; a short word drawn out is left as the model knows it
    "@alexxx_99 #f5fffa mail me at ann@example.org, $100",  # user names, hashtags, codes, addresses, amounts
    "Plan A or B, vitamin D, grade-A beef, I was at 5 p m, options a b c d, A B C D E F G",
])
def test_codes_names_and_abbreviations_keep_their_spelling(text: str) -> None:
    assert plain_letters(text, known_words(load_tokenizer())) == text


def test_a_word_of_the_models_vocabulary_counts_as_known() -> None:
    # "grr" is in no English list; the model's vocabulary can still make a spelled-out run a word
    assert plain_letters("g r r r") == "g r r r"
    assert plain_letters("g r r r", frozenset({"grrr"})) == "grrr"


def test_the_model_reads_a_disguised_comment_as_the_plain_one() -> None:
    # styled letters had no pieces in the tokenizer: "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ" scored 0.01 toxic against 0.98
    tokenizer = load_tokenizer()
    disguised = encode_windows(tokenizer, ["ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ", "You are an іdіot.", "an 1d10t, you s h i t"],
                               ["the talks"] * 3, 64, contexts=["𝐓𝐫𝐮𝐦𝐩 𝐰𝐚𝐥𝐤𝐬 𝐨𝐮𝐭", None, None], context_tokens=16)
    plain = encode_windows(tokenizer, ["YOU ARE AN IDIOT", "You are an idiot.", "an idiot, you shit"], ["the talks"] * 3,
                           64, contexts=["Trump walks out", None, None], context_tokens=16)
    assert [w.input_ids for w in disguised] == [w.input_ids for w in plain]
