"""民主测评 (the satisfaction survey): one-time codes, ballots and the arithmetic of its results.

Pure: no Django, no I/O. The survey app (kaohe/survey) stores codes and ballots and asks this module.

Codes. 11 random symbols from `secrets` over a 31-symbol alphabet without 0/O, 1/I/L (54.5 bits),
then one check symbol: the weighted sum Σ wᵢ·vᵢ over the 12 symbols (weights 12, 11, …, 1) is
0 mod 31. 31 is prime, so every single mistyped symbol and every swap of two neighbours is caught.
Printed as `XXXX-XXXX-XXXX`; `normalize_code` accepts lower case, spaces, dashes and full-width
input and returns the 12-symbol form, or None for anything malformed.

Ballots. A ballot answers, per target, every question with an option (index into the question's
options) or abstains on the target as a whole; stored as `{target code: [option index per question]}`
with abstained targets left out. `read_ballot` turns the posted fields into that, refusing unknown
targets or questions, mixed answers and missing answers with every reason.

Arithmetic (`tally`), exact with fractions, rounded once for display:
- a rated target on a ballot scores Σ_q weight_q × points(option_q) (question weights sum to 1);
- a ballot is valid when rated targets × denominator ≥ numerator × targets (e.g. two thirds);
  invalid ballots are cast but not counted;
- per group and target: the average over the group's valid ballots that rated the target;
- the target's score: Σ weight_g × average_g ÷ Σ weight_g over the groups with at least one rating
  (a group without ratings passes its weight on proportionally; the result says so), None when no
  group rated it;
- every figure shown is rounded ROUND_HALF_UP to two places from the exact value (`hundredths`);
- a group's breakdown is shown only when at least `min_group_size` of its valid ballots rated the
  target; when exactly one rated group is hidden, the smallest shown one is hidden too, so that the
  hidden average cannot be worked back from the score and the others (complementary suppression).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from kaohe.core.text import visible

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols (prime): no 0/O, 1/I/L
DATA_SYMBOLS = 11  # 11 × log2(31) ≈ 54.5 bits of randomness
CODE_LENGTH = DATA_SYMBOLS + 1  # plus the check symbol
CODE_BITS = 54
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_MODULUS = len(ALPHABET)

MAX_TARGETS = 200
MAX_QUESTIONS = 5
MAX_OPTIONS = 10
MAX_GROUPS = 12
MAX_CODES_PER_GROUP = 2000
ABSTAIN = "-"


# -- codes -----------------------------------------------------------------------------------------------


def _weighted_sum(symbols: str) -> int:
    weights = range(len(symbols), 0, -1)
    return sum(w * _VALUES[s] for w, s in zip(weights, symbols, strict=True)) % _MODULUS


def check_symbol(data: str) -> str:
    """The check symbol that makes `data` + symbol sum to 0 mod 31 (the symbol's weight is 1)."""
    partial = sum(w * _VALUES[s] for w, s in zip(range(len(data) + 1, 1, -1), data, strict=True))
    return ALPHABET[(-partial) % _MODULUS]


def new_code() -> str:
    """A fresh code, 12 symbols without separators, from the operating system's random source."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return data + check_symbol(data)


def normalize_code(text: str | None) -> str | None:
    """The 12-symbol form of what a person typed, or None when it cannot be a code (wrong length,
    a symbol outside the alphabet, a wrong check symbol). Bounded: long input is refused unread."""
    if not text or len(text) > 64:
        return None
    folded = unicodedata.normalize("NFKC", text).upper()
    symbols = "".join(ch for ch in folded if ch not in " -_.\t\r\n\u3000")
    if len(symbols) != CODE_LENGTH or any(ch not in _VALUES for ch in symbols):
        return None
    return symbols if _weighted_sum(symbols) == 0 else None


def format_code(code: str) -> str:
    """`K7QM2XHN8RT5` → `K7QM-2XHN-8RT5`: how a code is printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# -- the survey's definition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    label: str  # e.g. 好
    points: Decimal  # e.g. 100


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    weight: Decimal
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    weight: Decimal


@dataclass(frozen=True)
class Target:
    code: str
    name: str


@dataclass(frozen=True)
class Definition:
    targets: tuple[Target, ...]
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    valid_numerator: int = 2  # a ballot is valid when it rates at least numerator/denominator of the targets
    valid_denominator: int = 3
    min_group_size: int = 5
    abstain_allowed: bool = True


DEFAULT_OPTIONS = (Option("好", Decimal(100)), Option("较好", Decimal(80)),
                   Option("一般", Decimal(60)), Option("差", Decimal(40)))


def validate_definition(definition: Definition) -> list[str]:
    """Every problem that keeps the survey from being used, in Chinese; [] when it is fine."""
    problems: list[str] = []
    if not definition.targets:
        problems.append("请至少选择一个被测评对象。")
    if len(definition.targets) > MAX_TARGETS:
        problems.append(f"被测评对象最多{MAX_TARGETS}个，现为{len(definition.targets)}个。")
    if len({t.code for t in definition.targets}) != len(definition.targets):
        problems.append("被测评对象有重复。")
    if not definition.groups:
        problems.append("请至少设置一个测评群体。")
    if len(definition.groups) > MAX_GROUPS:
        problems.append(f"测评群体最多{MAX_GROUPS}个。")
    names = [g.name for g in definition.groups]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"测评群体“{name}”重复。")
    for group in definition.groups:
        if not group.name.strip():
            problems.append("测评群体的名称不能为空。")
        if group.weight <= 0:
            problems.append(f"测评群体“{group.name}”的权重必须大于0。")
    total = sum((g.weight for g in definition.groups), Decimal(0))
    if definition.groups and total != 1:
        problems.append(f"各测评群体的权重之和应恰好为1，现为{_plain(total)}。")
    if not definition.questions:
        problems.append("请至少设置一个测评问题（总体评价）。")
    if len(definition.questions) > MAX_QUESTIONS:
        problems.append(f"测评问题最多{MAX_QUESTIONS}个。")
    keys = [q.key for q in definition.questions]
    if len(set(keys)) != len(keys):
        problems.append("测评问题的编码有重复。")
    for question in definition.questions:
        if not question.text.strip():
            problems.append("测评问题的内容不能为空。")
        if question.weight <= 0:
            problems.append(f"测评问题“{question.text}”的权重必须大于0。")
        if not 2 <= len(question.options) <= MAX_OPTIONS:
            problems.append(f"测评问题“{question.text}”应有2到{MAX_OPTIONS}个选项。")
        labels = [o.label for o in question.options]
        if len(set(labels)) != len(labels) or any(not label.strip() for label in labels):
            problems.append(f"测评问题“{question.text}”的选项名称为空或重复。")
        if any(o.label == ABSTAIN for o in question.options):
            problems.append(f"选项名称不能是“{ABSTAIN}”。")
        for option in question.options:
            if not Decimal(0) <= option.points <= Decimal(100):
                problems.append(f"选项“{option.label}”的分值应在0到100之间，现为{_plain(option.points)}。")
    weights = sum((q.weight for q in definition.questions), Decimal(0))
    if definition.questions and weights != 1:
        problems.append(f"各测评问题的权重之和应恰好为1，现为{_plain(weights)}。")
    if not (0 <= definition.valid_numerator <= definition.valid_denominator and definition.valid_denominator >= 1):
        problems.append("有效票规则应为不大于1的比例，如2/3。")
    if definition.min_group_size < 1:
        problems.append("分组显示的最少人数至少为1。")
    return problems


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


# -- ballots ---------------------------------------------------------------------------------------------


Answers = dict[str, list[int]]  # target code → option index per question; abstained targets absent


class BallotError(ValueError):
    """A ballot that cannot be accepted; `problems` says every reason (Chinese)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("；".join(self.problems))


def field_name(target: str, question: str) -> str:
    """The form field of one answer: `a:<target code>:<question key>`."""
    return f"a:{target}:{question}"


def read_ballot(definition: Definition, fields: Mapping[str, str]) -> Answers:
    """The posted answer fields (`a:<target>:<question>` → option index or "-") as stored answers.

    Refused, with every reason: a field for an unknown target or question, a value that is no
    option, a target with some questions answered and others not (or abstained on one question
    but not all), a target without any answer, abstaining where it is not allowed."""
    targets = {t.code: t for t in definition.targets}
    questions = {q.key: index for index, q in enumerate(definition.questions)}
    problems: list[str] = []
    given: dict[str, dict[int, str]] = {}
    for name, value in fields.items():
        if not name.startswith("a:"):
            continue
        parts = name.split(":")
        if len(parts) != 3 or parts[1] not in targets:
            problems.append(f"选票中有未知的被测评对象：{parts[1] if len(parts) > 1 else name}")
            continue
        if parts[2] not in questions:
            problems.append(f"选票中有未知的测评问题：{parts[2]}")
            continue
        given.setdefault(parts[1], {})[questions[parts[2]]] = str(value).strip()
    answers: Answers = {}
    for target in definition.targets:
        values = given.get(target.code, {})
        if not values or all(v == "" for v in values.values()):
            problems.append(f"“{target.name}”未作选择（请选择等次或弃权）。")
            continue
        if all(v == ABSTAIN for v in values.values()) and len(values) == len(definition.questions):
            if not definition.abstain_allowed:
                problems.append(f"本次测评不允许弃权：“{target.name}”。")
            continue
        chosen: list[int] = []
        for index, question in enumerate(definition.questions):
            value = values.get(index, "")
            if value == ABSTAIN:
                problems.append(f"“{target.name}”：弃权须对全部问题弃权，或全部作答。")
                break
            if not value:
                problems.append(f"“{target.name}”的“{question.text}”未作选择。")
                break
            if not value.isdigit() or int(value) >= len(question.options):
                problems.append(f"“{target.name}”的“{question.text}”没有这个选项：{value[:20]}")
                break
            chosen.append(int(value))
        else:
            answers[target.code] = chosen
    if problems:
        raise BallotError(problems)
    return answers


def check_stored(definition: Definition, answers: object) -> Answers:
    """Stored answers read back (a ballot row's JSON), checked against the definition."""
    if not isinstance(answers, dict):
        raise BallotError(["选票格式有误。"])
    targets = {t.code for t in definition.targets}
    for code, chosen in answers.items():
        if code not in targets or not isinstance(chosen, list) or len(chosen) != len(definition.questions):
            raise BallotError([f"选票中有无法读取的回答：{code}"])
        for question, index in zip(definition.questions, chosen, strict=True):
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(question.options):
                raise BallotError([f"选票中有无法读取的回答：{code}"])
    return answers


def is_valid(definition: Definition, answers: Answers) -> bool:
    """The valid-ballot rule: rated targets ≥ numerator/denominator of all targets (exact)."""
    return len(answers) * definition.valid_denominator >= definition.valid_numerator * len(definition.targets)


def target_points(definition: Definition, chosen: list[int]) -> Fraction:
    """One ballot's points for one target: Σ question weight × the chosen option's points."""
    return sum((Fraction(q.weight) * Fraction(q.options[i].points) for q, i in zip(definition.questions, chosen,
                                                                                    strict=True)), Fraction(0))


# -- results ---------------------------------------------------------------------------------------------


def hundredths(value: Fraction) -> int:
    """An exact non-negative value in hundredths, rounded half up: 85.125 → 8513, 260/3 → 8667."""
    scaled = value * 100
    return (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)


def to_decimal(value: Fraction) -> Decimal:
    """An exact value as a two-place Decimal, rounded half up (hundredths)."""
    return Decimal(hundredths(value)).scaleb(-2)


@dataclass(frozen=True)
class GroupFigure:
    key: str
    name: str
    weight: Decimal
    rated: int  # valid ballots of the group that rated the target
    average: Decimal | None  # rounded; None when no rating or when hidden
    shown: bool  # False: fewer ratings than the minimum group size (or hidden so it cannot be derived)


@dataclass(frozen=True)
class TargetResult:
    code: str
    name: str
    score: Decimal | None  # rounded to two places; None when no group rated the target
    rated: int  # valid ballots that rated the target
    abstained: int  # valid ballots that abstained on it
    groups: tuple[GroupFigure, ...]
    reweighted: bool  # a group without ratings passed its weight on to the others


@dataclass(frozen=True)
class GroupCount:
    key: str
    name: str
    cast: int
    valid: int


@dataclass(frozen=True)
class Tally:
    cast: int
    valid: int
    groups: tuple[GroupCount, ...]
    targets: tuple[TargetResult, ...] = field(default=())


def tally(definition: Definition, ballots: Iterable[tuple[str, object]]) -> Tally:
    """The results from (group key, stored answers) pairs. Ballots of unknown groups or with
    unreadable answers raise BallotError (the database holds only what `read_ballot` accepted)."""
    groups = {g.key: g for g in definition.groups}
    cast = {key: 0 for key in groups}
    valid = {key: 0 for key in groups}
    sums: dict[tuple[str, str], Fraction] = {}
    counts: dict[tuple[str, str], int] = {}
    abstained = {t.code: 0 for t in definition.targets}
    for group_key, stored in ballots:
        if group_key not in groups:
            raise BallotError([f"选票属于未知的测评群体：{group_key}"])
        answers = check_stored(definition, stored)
        cast[group_key] += 1
        if not is_valid(definition, answers):
            continue
        valid[group_key] += 1
        for target in definition.targets:
            chosen = answers.get(target.code)
            if chosen is None:
                abstained[target.code] += 1
                continue
            key = (group_key, target.code)
            sums[key] = sums.get(key, Fraction(0)) + target_points(definition, chosen)
            counts[key] = counts.get(key, 0) + 1
    results = []
    for target in definition.targets:
        averages = {g.key: sums[(g.key, target.code)] / counts[(g.key, target.code)]
                    for g in definition.groups if counts.get((g.key, target.code))}
        weight = sum((Fraction(groups[k].weight) for k in averages), Fraction(0))
        score = (sum((Fraction(groups[k].weight) * a for k, a in averages.items()), Fraction(0)) / weight
                 if averages else None)
        shown = _shown(definition, {g.key: counts.get((g.key, target.code), 0) for g in definition.groups})
        figures = tuple(GroupFigure(
            key=g.key, name=g.name, weight=g.weight, rated=counts.get((g.key, target.code), 0),
            average=to_decimal(averages[g.key]) if g.key in averages and shown[g.key] else None,
            shown=shown[g.key]) for g in definition.groups)
        results.append(TargetResult(
            code=target.code, name=target.name, score=None if score is None else to_decimal(score),
            rated=sum(counts.get((g.key, target.code), 0) for g in definition.groups),
            abstained=abstained[target.code], groups=figures,
            reweighted=bool(averages) and len(averages) < len(definition.groups)))
    return Tally(cast=sum(cast.values()), valid=sum(valid.values()),
                 groups=tuple(GroupCount(g.key, g.name, cast[g.key], valid[g.key]) for g in definition.groups),
                 targets=tuple(results))


def _shown(definition: Definition, rated: Mapping[str, int]) -> dict[str, bool]:
    """Which groups' breakdowns may be shown for one target: at least the minimum size, and never
    exactly one rated group hidden beside shown ones (then the smallest shown one is hidden too)."""
    shown = {key: count >= definition.min_group_size for key, count in rated.items()}
    hidden_rated = [key for key, count in rated.items() if count and not shown[key]]
    visible = [key for key in rated if shown[key]]
    if len(hidden_rated) == 1 and visible:
        smallest = min(reversed(visible), key=lambda key: rated[key])
        shown[smallest] = False
    return shown


# -- typed text ------------------------------------------------------------------------------------------


def clean_label(text: object, limit: int) -> str:
    """A name as typed (pasted from Word, typed with a Chinese input method): invisible and control
    characters dropped by the one free-text rule (`kaohe.core.text.visible`), full-width letters and
    digits folded, whitespace collapsed; cut at `limit` is not done here — the caller refuses what
    is too long (the limits are in `kaohe.core.text.FIELDS`)."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return " ".join(visible(folded, multiline=False).split())[: limit + 1]


def parse_options(text: str) -> tuple[Option, ...]:
    """`好=100 较好=80 一般=60 差=40` (also `好:100，较好:80`, full-width signs) → options, in order.
    Raises BallotError with the reason for anything else."""
    folded = unicodedata.normalize("NFKC", text or "")
    for separator in ",;、;\n":
        folded = folded.replace(separator, " ")
    options = []
    for part in folded.split():
        label, sign, points = part.replace(":", "=").partition("=")
        label = clean_label(label, 20)
        if not sign or not label:
            raise BallotError([f"选项应写成“名称=分值”，如“好=100”：{part[:30]}"])
        try:
            value = Decimal(points)
        except ArithmeticError:
            raise BallotError([f"选项“{label}”的分值不是数字：{points[:20]}"]) from None
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise BallotError([f"选项“{label}”的分值最多两位小数：{points[:20]}"])
        options.append(Option(label, value))
    if not options:
        raise BallotError(["请填写选项，如“好=100 较好=80 一般=60 差=40”。"])
    return tuple(options)


def options_text(options: Iterable[Option]) -> str:
    return " ".join(f"{o.label}={_plain(o.points)}" for o in options)
