"""The risk-tolerance questionnaire as versioned data: questions, option scores and bands.

A new version is added beside the old ones (never edited in place) so that every stored
assessment can still be explained by the version it was taken under. Bands follow the SAC
template quoted in REGULATORY.md: <=20 C1, 21-36 C2, 37-53 C3, 54-82 C4, >=83 C5.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: str
    score: int
    # The investor cannot bear any loss: graded into the lowest category whatever the score.
    forces_lowest: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    topic: str
    text: str
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
    qid: str, topic: str, text: str, *options: tuple[str, int] | tuple[str, int, bool]
) -> Question:
    built = tuple(
        Option(
            id=f"{qid}{chr(ord('a') + i)}",
            text=o[0],
            score=o[1],
            forces_lowest=bool(o[2]) if len(o) > 2 else False,
        )
        for i, o in enumerate(options)
    )
    return Question(id=qid, topic=topic, text=text, options=built)


V2026_1 = Questionnaire(
    version="2026.1",
    questions=(
        _q(
            "q1",
            "age",
            "您的年龄 / Your age",
            ("18-30", 8),
            ("31-45", 10),
            ("46-55", 6),
            ("56-65", 3),
            ("over 65", 1),
        ),
        _q(
            "q2",
            "finances",
            "家庭年收入 / Household annual income",
            ("under 5万", 1),
            ("5万-20万", 4),
            ("20万-50万", 7),
            ("50万-100万", 9),
            ("over 100万", 10),
        ),
        _q(
            "q3",
            "finances",
            "可投资金融资产 / Investable financial assets",
            ("under 10万", 1),
            ("10万-50万", 4),
            ("50万-300万", 7),
            ("300万-500万", 9),
            ("over 500万", 10),
        ),
        _q(
            "q4",
            "finances",
            "负债情况 / Debts relative to income",
            ("large debts", 0),
            ("some debts", 4),
            ("no debts", 10),
        ),
        _q(
            "q5",
            "experience",
            "投资经验 / Years of investing experience",
            ("none", 0),
            ("under 2 years", 3),
            ("2-5 years", 6),
            ("5-10 years", 8),
            ("over 10 years", 10),
        ),
        _q(
            "q6",
            "experience",
            "投资过的产品 / Products you have held",
            ("deposits only", 1),
            ("bonds or bank wealth products", 4),
            ("funds or stocks", 7),
            ("derivatives or private funds", 10),
        ),
        _q(
            "q7",
            "goals",
            "投资目标 / Investment goal",
            ("preserve capital", 1),
            ("steady income", 4),
            ("growth", 7),
            ("highest returns", 10),
        ),
        _q(
            "q8",
            "goals",
            "投资期限 / Investment horizon",
            ("under 1 year", 2),
            ("1-3 years", 5),
            ("3-5 years", 8),
            ("over 5 years", 10),
        ),
        _q(
            "q9",
            "loss_tolerance",
            "可承受的最大亏损 / Largest loss you can bear",
            ("no loss at all", 0, True),
            ("up to 5%", 3),
            ("5%-10%", 6),
            ("10%-30%", 8),
            ("over 30%", 10),
        ),
        _q(
            "q10",
            "loss_tolerance",
            "市值下跌20%时 / If your investment fell 20%",
            ("sell everything", 1),
            ("sell part", 4),
            ("hold", 7),
            ("buy more", 10),
        ),
    ),
    bands=((83, "C5"), (54, "C4"), (37, "C3"), (21, "C2"), (0, "C1")),
)

QUESTIONNAIRES: dict[str, Questionnaire] = {V2026_1.version: V2026_1}
CURRENT_VERSION = V2026_1.version


def current() -> Questionnaire:
    return QUESTIONNAIRES[CURRENT_VERSION]
