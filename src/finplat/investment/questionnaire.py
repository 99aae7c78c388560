"""The risk-tolerance questionnaire as versioned data: questions, option scores and bands.

A new version is added beside the old ones (never edited in place) so that every stored
assessment can still be explained by the version it was taken under (a translation or a
clearer wording of the same question is not a new version). Every text comes in Chinese and
English; the endpoint answers in the language of ``Accept-Language`` (Chinese by default).
Bands follow the SAC template quoted in REGULATORY.md: <=20 C1, 21-36 C2, 37-53 C3, 54-82 C4,
>=83 C5.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    """A text a user reads, in Chinese and English."""

    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: Text
    score: int
    # The investor cannot bear any loss: graded into the lowest category whatever the score.
    forces_lowest: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    topic: str
    text: Text
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]
    # (lowest score, category), highest band first.
    bands: tuple[tuple[int, str], ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _q(
    qid: str,
    topic: str,
    text: tuple[str, str],
    *options: tuple[tuple[str, str], int] | tuple[tuple[str, str], int, bool],
) -> Question:
    built = tuple(
        Option(
            id=f"{qid}{chr(ord('a') + i)}",
            text=Text(*o[0]),
            score=o[1],
            forces_lowest=bool(o[2]) if len(o) > 2 else False,
        )
        for i, o in enumerate(options)
    )
    return Question(id=qid, topic=topic, text=Text(*text), options=built)


V2026_1 = Questionnaire(
    version="2026.1",
    questions=(
        _q(
            "q1",
            "age",
            ("您的年龄", "Your age"),
            (("18-30岁", "18-30"), 8),
            (("31-45岁", "31-45"), 10),
            (("46-55岁", "46-55"), 6),
            (("56-65岁", "56-65"), 3),
            (("65岁以上", "over 65"), 1),
        ),
        _q(
            "q2",
            "finances",
            ("家庭年收入", "Household annual income"),
            (("5万元以下", "under ¥50,000"), 1),
            (("5万-20万元", "¥50,000-200,000"), 4),
            (("20万-50万元", "¥200,000-500,000"), 7),
            (("50万-100万元", "¥500,000-1,000,000"), 9),
            (("100万元以上", "over ¥1,000,000"), 10),
        ),
        _q(
            "q3",
            "finances",
            ("可投资金融资产", "Investable financial assets"),
            (("10万元以下", "under ¥100,000"), 1),
            (("10万-50万元", "¥100,000-500,000"), 4),
            (("50万-300万元", "¥500,000-3,000,000"), 7),
            (("300万-500万元", "¥3,000,000-5,000,000"), 9),
            (("500万元以上", "over ¥5,000,000"), 10),
        ),
        _q(
            "q4",
            "finances",
            ("负债情况", "Debts relative to income"),
            (("负债较重", "large debts"), 0),
            (("有一定负债", "some debts"), 4),
            (("没有负债", "no debts"), 10),
        ),
        _q(
            "q5",
            "experience",
            ("投资经验", "Years of investing experience"),
            (("没有经验", "none"), 0),
            (("2年以下", "under 2 years"), 3),
            (("2-5年", "2-5 years"), 6),
            (("5-10年", "5-10 years"), 8),
            (("10年以上", "over 10 years"), 10),
        ),
        _q(
            "q6",
            "experience",
            ("投资过的产品", "Products you have held"),
            (("仅存款", "deposits only"), 1),
            (("债券或银行理财", "bonds or bank wealth products"), 4),
            (("基金或股票", "funds or stocks"), 7),
            (("衍生品或私募基金", "derivatives or private funds"), 10),
        ),
        _q(
            "q7",
            "goals",
            ("投资目标", "Investment goal"),
            (("保本", "preserve capital"), 1),
            (("稳定收益", "steady income"), 4),
            (("资产增值", "growth"), 7),
            (("追求最高收益", "highest returns"), 10),
        ),
        _q(
            "q8",
            "goals",
            ("投资期限", "Investment horizon"),
            (("1年以下", "under 1 year"), 2),
            (("1-3年", "1-3 years"), 5),
            (("3-5年", "3-5 years"), 8),
            (("5年以上", "over 5 years"), 10),
        ),
        _q(
            "q9",
            "loss_tolerance",
            ("可承受的最大亏损", "Largest loss you can bear"),
            (("不能承受任何亏损", "no loss at all"), 0, True),
            (("5%以内", "up to 5%"), 3),
            (("5%-10%", "5%-10%"), 6),
            (("10%-30%", "10%-30%"), 8),
            (("30%以上", "over 30%"), 10),
        ),
        _q(
            "q10",
            "loss_tolerance",
            ("市值下跌20%时，您会", "If your investment fell 20%, you would"),
            (("全部卖出", "sell everything"), 1),
            (("卖出一部分", "sell part"), 4),
            (("继续持有", "hold"), 7),
            (("追加买入", "buy more"), 10),
        ),
    ),
    bands=((83, "C5"), (54, "C4"), (37, "C3"), (21, "C2"), (0, "C1")),
)

QUESTIONNAIRES: dict[str, Questionnaire] = {V2026_1.version: V2026_1}
CURRENT_VERSION = V2026_1.version


def current() -> Questionnaire:
    return QUESTIONNAIRES[CURRENT_VERSION]
