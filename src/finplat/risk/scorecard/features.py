"""The scorecard's inputs and features: names, the training file's columns, the derivation of the
model's features from the raw inputs, and the words a borrower reads. Standard library only: the
scorer runs this same code that training ran.

Raw inputs follow the training data's definitions (README of the credit data):
``debt_ratio`` is monthly debt payments over monthly income, and when the income is unknown it is
the payments themselves (that is how the data records it); past-due counts may hold the special
codes 96 and 98 (not counts: a bureau's "unknown/withheld" markers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

TARGET_COLUMN = "SeriousDlqin2yrs"

# Raw input name -> the training file's column.
RAW_COLUMNS: dict[str, str] = {
    "revolving_utilization": "RevolvingUtilizationOfUnsecuredLines",
    "age": "age",
    "past_due_30_59": "NumberOfTime30-59DaysPastDueNotWorse",
    "debt_ratio": "DebtRatio",
    "monthly_income": "MonthlyIncome",
    "open_credit_lines": "NumberOfOpenCreditLinesAndLoans",
    "past_due_90": "NumberOfTimes90DaysLate",
    "real_estate_loans": "NumberRealEstateLoansOrLines",
    "past_due_60_89": "NumberOfTime60-89DaysPastDueNotWorse",
    "dependents": "NumberOfDependents",
}
RAW_INPUTS = tuple(RAW_COLUMNS)
PAST_DUE_INPUTS = ("past_due_30_59", "past_due_60_89", "past_due_90")
SPECIAL_CODES = (96.0, 98.0)

# Outliers: utilisation above 10 (1,000 %) and a debt ratio above 100,000 are recording errors,
# not worse borrowers; they are capped before binning. Binning is by order, so a cap only keeps
# the bin table's last edge readable and the stored statistics finite.
CAPS: dict[str, float] = {"revolving_utilization": 10.0, "debt_ratio": 100_000.0}
MIN_ADULT_AGE = 18  # the data holds one age of 0: below 18 is treated as missing


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    # optbinning's monotonic trend for this feature: "auto" lets the solver choose among
    # ascending, descending, peak and valley (utilisation and debt are not monotonic here).
    trend: str
    special_codes: tuple[float, ...]
    label_zh: str
    label_en: str
    reason_zh: str
    reason_en: str
    missing_reason_zh: str
    missing_reason_en: str


def _spec(name: str, trend: str, special: bool, words: tuple[str, str, str, str]) -> FeatureSpec:
    label_zh, label_en, reason_zh, reason_en = words
    return FeatureSpec(
        name=name,
        trend=trend,
        special_codes=SPECIAL_CODES if special else (),
        label_zh=label_zh,
        label_en=label_en,
        reason_zh=reason_zh,
        reason_en=reason_en,
        missing_reason_zh=f"缺少{label_zh}信息",
        missing_reason_en=f"No information on your {label_en.lower()}",
    )


# The model's features, in order. The 30-59-day count enters through total_past_due (on its own
# it took a positive coefficient next to the total, which a scorecard must not have).
FEATURES: tuple[FeatureSpec, ...] = (
    _spec("revolving_utilization", "auto", False, (
        "信用卡及循环额度使用率", "Use of credit card and revolving limits",
        "信用卡等循环额度使用比例较高", "You use a large share of your credit card limits")),
    _spec("age", "auto", False, (
        "年龄", "Age",
        "年龄段的历史还款表现相对较弱", "Borrowers of your age group repay less reliably")),
    _spec("debt_ratio", "auto", False, (
        "负债收入比", "Debt-to-income ratio",
        "每月还债支出占收入比例偏高", "Your monthly debt payments are high for your income")),
    _spec("monthly_income", "auto", False, (
        "月收入", "Monthly income",
        "月收入水平偏低", "Your monthly income is low")),
    _spec("monthly_debt", "auto", False, (
        "每月还债支出", "Monthly debt payments",
        "每月还债支出金额较高", "Your monthly debt payments are high")),
    _spec("open_credit_lines", "auto", False, (
        "在用贷款和信用卡数量", "Open loans and credit cards",
        "在用贷款和信用卡数量不利（过多或过少）",
        "The number of your open loans and cards counts against you (too many or too few)")),
    _spec("real_estate_loans", "auto", False, (
        "房贷及房产抵押贷款笔数", "Mortgages and real-estate loans",
        "房产相关贷款笔数不利", "The number of your real-estate loans counts against you")),
    _spec("dependents", "auto", False, (
        "供养人数", "Dependants",
        "需供养的家庭成员较多", "You support many dependants")),
    _spec("total_past_due", "ascending", True, (
        "逾期总次数", "Late payments in total",
        "有逾期还款记录", "You have paid late before")),
    _spec("past_due_60_89", "ascending", True, (
        "逾期60-89天次数", "Payments 60-89 days late",
        "有逾期60天以上的还款记录", "You have paid 60 days late or more")),
    _spec("past_due_90", "ascending", True, (
        "逾期90天以上次数", "Payments 90 days late or more",
        "有逾期90天以上的严重逾期记录", "You have paid 90 days late or more")),
)
FEATURE_NAMES = tuple(spec.name for spec in FEATURES)
SPECS = {spec.name: spec for spec in FEATURES}

Raw = Mapping[str, float | int | None]


def _number(value: float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def derive(raw: Raw) -> dict[str, float | None]:
    """The model's features from the raw inputs (None = missing, its own bin)."""
    values = {name: _number(raw.get(name)) for name in RAW_INPUTS}
    for name, cap in CAPS.items():
        value = values[name]
        if value is not None:
            values[name] = min(value, cap)
    age = values["age"]
    if age is not None and age < MIN_ADULT_AGE:
        values["age"] = None
    income, ratio = values["monthly_income"], values["debt_ratio"]
    if income is None:
        # Without an income the data's "ratio" is the payments themselves.
        monthly_debt, values["debt_ratio"] = ratio, None
    else:
        monthly_debt = None if ratio is None else ratio * max(income, 1.0)
    counts = [values[name] for name in PAST_DUE_INPUTS]
    if any(count is None for count in counts):
        total: float | None = None
    elif any(count in SPECIAL_CODES for count in counts):
        total = SPECIAL_CODES[0]  # the special marker carries over to the total
    else:
        total = sum(count for count in counts if count is not None)
    derived = {
        **{name: values[name] for name in RAW_INPUTS},
        "monthly_debt": monthly_debt,
        "total_past_due": total,
    }
    return {name: derived[name] for name in FEATURE_NAMES}
