"""The maintained signals lexicon: schema, negation and the cue groups (fast tier, no models)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.errors import ConfigurationError
from assistant.signals.features import FEATURE_NAMES, FeatureExtractor, count_syllables, readability
from assistant.signals.lexicon import LEXICON_PATH, SignalLexicon, load_lexicon


def groups(text: str, *, negated: bool = False) -> set[str]:
    return {h.group for h in load_lexicon().match(text) if h.negated == negated}


def test_lexicon_schema_forbids_unknown_keys(tmp_path: Path) -> None:
    raw = yaml.safe_load(LEXICON_PATH.read_text())
    raw["sentiment"]["surprise"] = ["wow"]
    bad = tmp_path / "lexicon.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigurationError, match="surprise"):
        SignalLexicon.from_yaml(bad)


def test_lexicon_rejects_bad_regex_and_unknown_macro(tmp_path: Path) -> None:
    raw = yaml.safe_load(LEXICON_PATH.read_text())
    raw["distress"]["mild"].append("worr(ied")
    bad = tmp_path / "lexicon.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigurationError, match="bad lexicon pattern"):
        SignalLexicon.from_yaml(bad)
    raw["distress"]["mild"][-1] = "@NOBODY hurts"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigurationError, match="unknown macro"):
        SignalLexicon.from_yaml(bad)


def test_entries_accept_plain_strings_and_objects() -> None:
    lex = load_lexicon()
    assert lex.version
    assert "crisis.abuse" in lex.groups and "handoff.explicit" in lex.groups


@pytest.mark.parametrize(
    "text",
    [
        "my interest rate went up and my debt keeps growing",
        "I'm overdrawn again",
        "the bailiffs are coming on Monday",
        "I missed a payment on my loan",
        "You charged me twice",
        "I'm in arrears with the mortgage",
        "my repayments have gone up",
    ],
)
def test_finance_wording_is_negative(text: str) -> None:
    assert "sentiment.negative" in groups(text)


@pytest.mark.parametrize(
    "text",
    [
        "great, another fee, just what I needed",
        "Oh brilliant, declined again",
        "thanks for nothing",
        "Love being charged for my own money",
        "Fantastic, yet another charge",
    ],
)
def test_sarcasm_patterns(text: str) -> None:
    assert "sentiment.sarcasm" in groups(text)


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("I'm not worried", "distress.mild"),
        ("I am not stressed at all", "distress.mild"),
        ("never been scared of debt", "distress.high"),
        ("I don't want to speak to a person", "handoff.explicit"),
    ],
)
def test_negation_marks_cues(text: str, group: str) -> None:
    assert group in groups(text, negated=True)
    assert group not in groups(text)


def test_negation_stops_at_clause_break() -> None:
    assert "distress.mild" in groups("It's not the fee, but I'm worried about the rent")


def test_crisis_cues_ignore_negation() -> None:
    assert "crisis.self_harm" in groups("I don't want to live anymore")
    assert "crisis.self_harm" in groups("I can't go on")


@pytest.mark.parametrize(
    "text",
    [
        "the ATM kept my card",
        "the app won't let me see my statements",
        "This fee is killing me",
        "How do I end a standing order?",
        "they are threatening to take me to court",
        "I want to disappear from your mailing list",
    ],
)
def test_crisis_hard_negatives(text: str) -> None:
    assert not {g for g in groups(text) if g.startswith("crisis")}


@pytest.mark.parametrize(
    "text",
    [
        "Let me talk to a real person",
        "put me through to an advisor",
        "Pass me to a human please",
        "can I speak with someone else please?",
        "How can I reach your other agent regarding my payments?",
    ],
)
def test_explicit_handoff_patterns(text: str) -> None:
    assert "handoff.explicit" in groups(text)


def test_bot_unhelpful_patterns() -> None:
    assert "handoff.bot_unhelpful" in groups("you are getting all wrong, this bot is stupid")
    assert "handoff.bot_unhelpful" in groups("this conversation is not working at all")


def test_features_vector_and_cues() -> None:
    fx = FeatureExtractor()
    f = fx.extract("Does a wash sale disallow the loss if I buy the same ETF in my IRA within 30 days?")
    assert f.values.shape == (len(FEATURE_NAMES),)
    assert "wash sale" in f.cues("literacy.technical_terms")
    assert f.value("read.log_numbers") > 0
    assert f.value("lex.literacy.technical_terms") > 0


def test_readability_orders_plain_and_technical_text() -> None:
    plain = readability("Where is my card? I want it now.")
    technical = readability(
        "Consider the amortisation schedule's sensitivity to refinancing, notwithstanding prepayment penalties."
    )
    assert technical["read.fk_grade"] > plain["read.fk_grade"] + 5
    assert count_syllables("amortisation") >= 4 and count_syllables("card") == 1


def _crisis_rule_cues(text: str) -> set[str]:
    """Crisis rule cues of ``text`` once denials and professional or academic framing are applied."""
    from assistant.signals.crisis_layer import CrisisLayer

    return {h.cue for h in CrisisLayer._crisis_rule_hits(FeatureExtractor().extract(text))}


@pytest.mark.parametrize(
    "text",
    [
        "Not suicidal, just broke. Can the overdraft go up?",
        "not thinking of hurting myself or anything, what does the policy say about suicide? for my coursework",
        "I'll kill myself laughing if that fee comes back again",
        "I want to end everything: subscriptions, standing orders, the lot, switching banks",
        "so tired of everything being a monthly subscription",
        "I'd like a separate savings pot for a surprise anniversary trip my wife doesn't know about",
        "I am a financial adviser. A client of mine asked about cover if a death is by suicide",
        "A few years ago I felt suicidal but these days I'm much better, I want to ask about a loan",
    ],
)
def test_framing_that_is_not_a_crisis_drops_the_crisis_rule(text: str) -> None:
    assert not _crisis_rule_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "if someone dies by suicide does the bank still chase their family for the loan",
        "what's the suicide clause on your life policy? I need to know when it's safe for my kids",
        "it's not about me, it's my partner, I can't cope and I want to end my life",
        "I'm a nurse and I've been saving up my tablets, I want it all to stop",
    ],
)
def test_the_framings_do_not_hide_a_crisis_told_around_them(text: str) -> None:
    assert _crisis_rule_cues(text)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Kindly freeze it. I am leaving this life today.", "leaving this life"),
        ("I lost my job and the flat. I don't see reason for continue.", "leaving this life"),
        ("My wife died in spring and I want to join her. I'm ready.", "joining someone who died"),
        ("double shifts, no sleep, and I've started cutting again", "harm myself"),
        ("what happens to the loan if I'm found in the canal", "if I'm found"),
        ("can I set up payments for after I'm gone? The rent, mostly. I'm going on Friday.", "a date for going"),
        ("I've bought the rope, just make sure my savings go to my sister", "means"),
        ("she says she's going to step in front of a bus", "someone else at risk now"),
        ("help my toddler is choking", "danger now"),
        ("I found my dad sitting in the car in the garage with the engine running", "danger now"),
        ("smoke is pouring out of the kitchen", "danger now"),
        ("I'll take that manager down with me", "veiled threat"),
        ("watch your front windows, that's all I'm saying", "veiled threat"),
        ("one of your staff is going to have a very bad day", "veiled threat"),
        ("coming in tomorrow, bringing something to make them listen", "veiled threat"),
        ("I have to send him a photo of every receipt", "controls my money"),
        ("my son has emptied my savings again", "controls my money"),
        ("my sister keeps taking mum's pension", "takes a parent's money"),
    ],
)
def test_later_crisis_phrasings_are_caught_and_named(text: str, cue: str) -> None:
    assert cue in _crisis_rule_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "my mum died last year and I want to join her old bank",
        "what happens to my ISA after I'm gone? I'm writing my will this week",
        "I don't see a reason to continue paying for premium, cancel it",
        "leaving this world of paper statements, go paperless please",
        "I'm cutting back again on takeaways",
        "if I'm found to have missed a payment will you charge me?",
        "the car's in the garage with the engine running rough, can I get a loan for repairs?",
        "my car's choking on cold mornings, can I get a car loan",
        "smoke alarm battery died, can I pay for a new one with my card?",
        "I'll take the statement down with me to the branch",
        "watch your back on those fees lol",
        "You guys are going to have a bad day when the ombudsman rules",
        "I kept photos of every receipt for my tax return",
        "I'll bring something with me to prove my address",
        "I'm stepping in front of the queue at the branch",
    ],
)
def test_their_look_alikes_are_not_a_crisis(text: str) -> None:
    assert not _crisis_rule_cues(text)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("honestly gonna kms if the loan gets refused", "harm myself"),
        ("got all my sleeping pills here on the table, just check the rent went", "means"),
        ("I stopped taking my tablets a while ago and I'm keeping them", "means"),
        ("I keep scratching my arms till they bleed when the letters come", "harm myself"),
        ("lost everything on the horses, thinking about jumping.", "method"),
        ("the voices keep telling me I should walk into the sea", "command voices"),
        ("I've got all my tablets here and a glass of water", "means"),
        ("i have the tablets here. just sort the rent out first", "means"),
        ("who gets my savings if I die this weekend", "dying soon"),
        ("no plans to be around next year, so cancel the renewal", "won't be around"),
        ("cancel the lease payments, I won't be staying there or anywhere else", "won't be around"),
        ("empty the account, no need for it where I'm going", "won't need it much longer"),
        ("won't need my card after next month, you can close it", "won't need it much longer"),
        ("you've been the only people who ever listened to me, thank you", "saying goodbye"),
        ("my brother just got shot, he's on the pavement", "danger now"),
        ("the flat's on fire and I can't find my cat", "danger now"),
        ("fell off the ladder, bleeding so bad", "danger now"),
        ("nothing left to lose now, I'm coming to your branch on Monday", "veiled threat"),
    ],
)
def test_phrasings_of_rounds_12j_and_12k_are_caught_and_named(text: str, cue: str) -> None:
    assert cue in _crisis_rule_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "the office is 5 kms from my house, which branch is nearest",
        "kms lol this app is so slow",
        "I have the tablets my doctor gave me, can I claim them on insurance?",
        "burning my old statements in the garden, is that safe for my data?",
        "im about to jump... on a train to Leeds, will my card work",
        "we're going to jump ship to another bank if this fee stays",
        "the voice assistant keeps telling me to update the app",
        "the automated voice said to enter my card number, is that you?",
        "I've got my meds here, can I pay the prescription charge by card?",
        "I have the tablets here, can I claim them on my insurance?",
        "what happens to my account if I die? writing my will this weekend",
        "I don't plan on being here in the UK next year, can I keep the account from abroad?",
        "will I need cash where I'm going in Morocco?",
        "my uncle was shot in the war, can I set up a power of attorney for him",
        "been shot at in two jobs and nothing scares me like your overdraft fees",
        "this offer is on fire, how do I sign up",
        "nothing to lose by asking: can I get a better rate at the branch?",
        "he said the safe account is in my name, is that normal?",
        "they told me my account is in danger and I must move it now",
    ],
)
def test_look_alikes_of_rounds_12j_and_12k_are_not_a_crisis(text: str) -> None:
    assert not _crisis_rule_cues(text)


def test_a_third_person_about_to_jump_is_caught_and_a_jump_ship_is_not() -> None:
    assert "method" in _crisis_rule_cues("my sister is on the bridge, she's going to jump, please help")
    assert not _crisis_rule_cues("they're going to jump ship, I'm telling you, the fees are awful")


def test_giving_up_on_the_bank_is_not_giving_up_on_life() -> None:
    assert not _crisis_rule_cues("Can't do this anymore, switching to another bank")
    assert not _crisis_rule_cues("cant do this any more. moving to cash")
    assert "can't go on" in _crisis_rule_cues("I can't do this anymore. I'm so tired")


def _acute_cues(text: str) -> tuple[str, ...]:
    return FeatureExtractor().extract(text).cues("distress.acute")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("fraudster on the phone right now what do I do", "scam: told to move money"),
        ("the man on whatsapp is asking for my card number", "scam: told to move money"),
        ("I put everything in the new account they opened for me yesterday", "scam: told to move money"),
        ("a woman saying she was from the bank called, I've just given her 3k", "money already sent"),
        ("I transferred the deposit and now his number doesn't work", "money already sent"),
        ("someone is in my account now moving my money about", "scam: money leaving now"),
        ("I clicked the link and typed in all my details", "scam: money leaving now"),
        ("my whole salary, gone, in ten minutes", "all money gone"),
        ("that was every penny I had", "all money gone"),
        ("they've cleaned out my current account", "all money gone"),
        ("haven't eaten since Sunday and the card won't work", "no money for food or heating"),
        ("I don't have money for milk for the baby", "no money for food or heating"),
        ("the electric has run out and I can't top up till Monday", "no money for food or heating"),
        ("landlord says he's changing the locks at six", "losing home"),
        ("bailiffs coming at 4 today and I have nothing", "losing home"),
        ("my hands won't stop shaking, is my money safe", "panicking"),
        ("oh god oh god the money has gone", "panicking"),
        ("the machine in Madrid kept my card and I have no cash at all", "stranded"),
    ],
)
def test_more_acute_situations_are_named(text: str, cue: str) -> None:
    assert cue in _acute_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "can I get a person on the phone please",
        "I need to put the money into a different account, can I reverse the transfer?",
        "I moved my savings into a new account last month, when is interest paid?",
        "the IVF costs have wiped out our savings",
        "I lost my flat last year and I'm back with my parents",
        "the cash machine kept my card, can you send a new one?",
        "I'm in a state of confusion about ISAs, which one is best?",
        "please send me a statement for the new account",
        "I haven't had a statement since March",
    ],
)
def test_their_look_alikes_are_not_acute(text: str) -> None:
    assert not _acute_cues(text)
