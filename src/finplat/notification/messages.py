"""Titles and bodies of inbox messages in Chinese (the default) and English.

A message is stored as a key and parameters; it is rendered when read, so a reader switching
language sees every message in the new one and a wording fix reaches old messages too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ZH, EN = "zh-CN", "en"
LOCALES = (ZH, EN)
DEFAULT_LOCALE = ZH
_MAX_HEADER_CHARS = 512


def locale_from(accept_language: str | None) -> str:
    """The best of ``LOCALES`` for an ``Accept-Language`` header (RFC 9110 weights); Chinese
    when the header is absent, malformed or names neither."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language[:_MAX_HEADER_CHARS].split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in ("zh", "en") and weight > 0:
            ranked.append((-weight, position, ZH if language == "zh" else EN))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def money(amount_minor: int, currency: str = "CNY") -> str:
    """``¥1,234.56`` from fen; other currencies by their code (``USD 1,234.56``)."""
    sign = "-" if amount_minor < 0 else ""
    yuan, fen = divmod(abs(amount_minor), 100)
    figure = f"{yuan:,}.{fen:02d}"
    return f"{sign}¥{figure}" if currency == "CNY" else f"{sign}{currency} {figure}"


def _product(params: Mapping[str, Any], locale: str) -> str:
    name = params.get("product_name")
    if name:
        return f"「{name}」" if locale == ZH else f"\"{name}\""
    number = params.get("product_id")
    return f"产品 #{number}" if locale == ZH else f"product #{number}"


def _amount(params: Mapping[str, Any], field: str = "amount_minor") -> str:
    return money(int(params.get(field, 0)), str(params.get("currency", "CNY")))


Text = Callable[[Mapping[str, Any], str], tuple[str, str]]


def _deposit_succeeded(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    if locale == EN:
        return "Deposit credited", f"Your deposit of {_amount(p)} is in your wallet."
    return "充值成功", f"您充值的 {_amount(p)} 已到账。"


def _deposit_failed(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    if locale == EN:
        return "Deposit failed", (f"Your deposit of {_amount(p)} did not go through; "
                                  "your wallet was not credited.")
    return "充值失败", f"您充值的 {_amount(p)} 未能完成，账户余额未变动。"


def _withdrawal_succeeded(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    fee = _amount(p, "fee_minor")
    if locale == EN:
        return "Withdrawal paid", (f"Your withdrawal of {_amount(p)} was paid to your bank card "
                                   f"(fee {fee}).")
    return "提现成功", f"您提现的 {_amount(p)} 已转入银行卡（手续费 {fee}）。"


def _withdrawal_failed(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    if locale == EN:
        return "Withdrawal failed", (f"Your withdrawal of {_amount(p)} was not paid out; "
                                     "the money is available in your wallet again.")
    return "提现失败", f"您提现的 {_amount(p)} 未能完成，资金已退回账户余额。"


def _order_confirmed(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    product = _product(p, locale)
    if locale == EN:
        return "Investment confirmed", (f"Your investment of {_amount(p)} in {product} is "
                                        "confirmed and earns from its value date.")
    return "投资成功", f"您在{product}的 {_amount(p)} 投资已确认，自起息日起计算收益。"


_REFUND_REASONS = {
    "raise_failed": ("募集未成功", "its raise did not succeed"),
    "delisted": ("已下架", "it was withdrawn from sale"),
}


def _order_refunded(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    product = _product(p, locale)
    zh_reason, en_reason = _REFUND_REASONS.get(str(p.get("reason")),
                                               ("订单未能成交", "the order could not go ahead"))
    if locale == EN:
        return "Investment refunded", (f"{product[0].upper()}{product[1:]}: {en_reason}. Your "
                                       f"{_amount(p)} is available in your wallet again.")
    return "投资退款", f"{product}{zh_reason}，您的 {_amount(p)} 已解冻，退回账户余额。"


def _holding_paid(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    product = _product(p, locale)
    principal, earned = _amount(p, "principal_minor"), _amount(p, "yield_minor")
    if locale == EN:
        return "Matured and paid", (f"{product[0].upper()}{product[1:]} has matured: principal "
                                    f"{principal} and yield {earned} were paid to your wallet.")
    return "到期兑付", f"{product}已到期，本金 {principal} 与收益 {earned} 已转入您的账户。"


def _installment_due_soon(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan, number, day = p.get("loan_id"), p.get("number"), p.get("due_date")
    if locale == EN:
        return "Repayment due soon", (f"Installment {number} of loan #{loan}, {_amount(p)}, is "
                                      f"due on {day}. Please keep the amount in your wallet.")
    return "还款提醒", (f"借款 #{loan} 第 {number} 期应还 {_amount(p)}，还款日为 {day}，"
                    "请确保账户余额充足。")


def _installment_overdue(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan, number, days = p.get("loan_id"), p.get("number"), p.get("days")
    if locale == EN:
        return "Repayment overdue", (f"Installment {number} of loan #{loan} is {days} days "
                                     f"overdue; {_amount(p)} is owed and penalty interest "
                                     "accrues daily. Please repay as soon as possible.")
    return "逾期提醒", (f"借款 #{loan} 第 {number} 期已逾期 {days} 天，当前应还 {_amount(p)}，"
                    "罚息按日计收，请尽快还款。")


def _repayment_received(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan = p.get("loan_id")
    if locale == EN:
        return "Repayment received", f"{_amount(p)} was repaid on loan #{loan} from your wallet."
    return "还款成功", f"已从您的账户扣款 {_amount(p)} 用于偿还借款 #{loan}。"


def _loan_disbursed(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan, net = p.get("loan_id"), _amount(p, "net_minor")
    if locale == EN:
        return "Loan disbursed", (f"Loan #{loan} is fully funded: {net} (the principal "
                                  f"{_amount(p)} less fees) was paid to your wallet.")
    return "借款已放款", (f"借款 #{loan} 已满标放款，{net}（本金 {_amount(p)} 扣除费用）"
                          "已转入您的账户。")


def _loan_claim(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan, principal = p.get("loan_id"), _amount(p, "principal_minor")
    if locale == EN:
        return "Loan funded", (f"Loan #{loan} is fully funded and disbursed: you lent "
                               f"{principal} and receive its repayments.")
    return "出借成功", f"借款 #{loan} 已满标放款，您出借 {principal}，将按期收到还款。"


def _loan_bid_refunded(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    loan = p.get("loan_id")
    if locale == EN:
        return "Bid refunded", (f"Loan #{loan} was not fully funded in time: your bid of "
                                f"{_amount(p)} is available in your wallet again.")
    return "出借退回", f"借款 #{loan} 未在募集期内满标，您的 {_amount(p)} 出借金额已解冻。"


def _loan_application(p: Mapping[str, Any], locale: str) -> tuple[str, str]:
    approved = p.get("status") == "approved"
    number = p.get("application_id")
    if locale == EN:
        if approved:
            return "Loan application approved", (f"Application #{number} for {_amount(p)} is "
                                                 "approved and open for investors' bids.")
        return "Loan application rejected", (f"Application #{number} for {_amount(p)} was not "
                                             "approved.")
    if approved:
        return "借款申请已通过", f"借款申请 #{number}（{_amount(p)}）已审核通过，开始募集。"
    return "借款申请未通过", f"借款申请 #{number}（{_amount(p)}）未通过审核。"


MESSAGES: dict[str, Text] = {
    "loan_disbursed": _loan_disbursed,
    "loan_claim": _loan_claim,
    "loan_bid_refunded": _loan_bid_refunded,
    "loan_application": _loan_application,
    "deposit_succeeded": _deposit_succeeded,
    "deposit_failed": _deposit_failed,
    "withdrawal_succeeded": _withdrawal_succeeded,
    "withdrawal_failed": _withdrawal_failed,
    "order_confirmed": _order_confirmed,
    "order_refunded": _order_refunded,
    "holding_paid": _holding_paid,
    "installment_due_soon": _installment_due_soon,
    "installment_overdue": _installment_overdue,
    "repayment_received": _repayment_received,
}


def render(message_key: str, params: Mapping[str, Any], locale: str) -> tuple[str, str]:
    """(title, body) of a stored message in ``locale``; an unknown key (a message written by a
    newer release) reads as a generic notice rather than failing the whole inbox."""
    text = MESSAGES.get(message_key)
    if text is None:
        return ("通知", "您有一条新消息。") if locale == ZH else (
            "Notice", "You have a new message.")
    return text(params, locale)
