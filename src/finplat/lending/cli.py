"""``finplat loan schedule ...``: the repayment calculator, the loan service's own rules, no
database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from finplat.core.clock import SystemClock, business_date
from finplat.core.errors import DomainError, field_error
from finplat.lending import apr as apr_rules
from finplat.lending import schedule as schedule_rules

app = typer.Typer(
    help="Loans: the repayment calculator. 借款：还款计划试算。", no_args_is_help=True
)

METHOD_LABELS = {
    "equal_installment": "等额本息 equal installment",
    "equal_principal": "等额本金 equal principal",
    "interest_first": "先息后本 interest first",
    "bullet": "到期一次还本付息 bullet",
}
USAGE_ERROR = 2


@app.command("schedule")
def schedule(
    principal_minor: Annotated[int, typer.Option(help="Principal in fen. 本金（分）。")],
    annual_rate: Annotated[
        str, typer.Option(help='Annual rate as a fraction, "0.049" is 4.9%. 年利率（小数）。')
    ],
    months: Annotated[int, typer.Option(help="Term in months, 1-360. 期限（月）。")],
    method: Annotated[
        str, typer.Option(help=f"One of {', '.join(schedule_rules.METHODS)}. 还款方式。")
    ],
    start_date: Annotated[
        str | None,
        typer.Option(help="Disbursement date YYYY-MM-DD (default: today). 放款日。"),
    ] = None,
    upfront_fee_minor: Annotated[
        int, typer.Option(help="Service fee taken from the disbursement, fen. 放款时扣收的服务费。")
    ] = 0,
    monthly_fee_minor: Annotated[
        int, typer.Option(help="Service fee with each installment, fen. 每期服务费。")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the repayment schedule and the all-in APR (fees included) of a loan.

    Exits 2 with the reason when an input is out of bounds.
    """
    try:
        result = calculate(
            principal_minor=principal_minor,
            annual_rate_text=annual_rate,
            term_months=months,
            method=method,
            start_date=_parse_date(start_date),
            upfront_fee_minor=upfront_fee_minor,
            installment_fee_minor=monthly_fee_minor,
        )
    except DomainError as error:
        typer.echo(f"error [{error.code}]: {error.detail}", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_table(result)


def calculate(
    *,
    principal_minor: int,
    annual_rate_text: str,
    term_months: int,
    method: str,
    start_date: date,
    upfront_fee_minor: int = 0,
    installment_fee_minor: int = 0,
) -> dict[str, Any]:
    """The calculator's answer as JSON-ready data; raises ``InvalidInput`` for bad input."""
    plan = schedule_rules.build_schedule(
        principal_minor=principal_minor,
        annual_rate=schedule_rules.parse_annual_rate(annual_rate_text),
        term_months=term_months,
        method=method,
        start_date=start_date,
    )
    apr = apr_rules.all_in_apr(
        plan, upfront_fee_minor=upfront_fee_minor, installment_fee_minor=installment_fee_minor
    )
    fees = upfront_fee_minor + installment_fee_minor * len(plan.installments)
    return {
        "method": plan.method,
        "principal_minor": plan.principal_minor,
        "annual_rate": str(plan.annual_rate),
        "term_months": plan.term_months,
        "start_date": plan.start_date.isoformat(),
        "installments": [i.as_json() for i in plan.installments],
        "total_interest_minor": plan.total_interest_minor,
        "total_minor": plan.total_minor,
        "upfront_fee_minor": upfront_fee_minor,
        "monthly_fee_minor": installment_fee_minor,
        "total_fees_minor": fees,
        "apr": str(apr.nominal_annual_rate),
        "apr_effective": str(apr.effective_annual_rate),
    }


def _parse_date(text: str | None) -> date:
    if text is None:
        return business_date(SystemClock().now())
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise field_error(
            "start_date", "must be a date as YYYY-MM-DD", code="lending.invalid_date"
        ) from None


def _print_table(result: dict[str, Any]) -> None:
    console = Console()
    table = Table(
        title=f"{METHOD_LABELS[result['method']]} · {_yuan(result['principal_minor'])} · "
        f"{_percent(result['annual_rate'])} · {result['term_months']} 个月 months"
    )
    for heading in ("期数 No.", "还款日 Due", "本金 Principal", "利息 Interest", "合计 Total",
                    "剩余本金 Remaining"):
        table.add_column(heading, justify="right")
    for row in result["installments"]:
        table.add_row(
            str(row["number"]),
            row["due_date"],
            _yuan(row["principal_minor"]),
            _yuan(row["interest_minor"]),
            _yuan(row["total_minor"]),
            _yuan(row["principal_remaining_minor"]),
        )
    console.print(table)
    console.print(f"总利息 Total interest: {_yuan(result['total_interest_minor'])}")
    console.print(f"本息合计 Total repaid: {_yuan(result['total_minor'])}")
    if result["total_fees_minor"]:
        console.print(f"服务费合计 Total fees: {_yuan(result['total_fees_minor'])}")
    console.print(
        f"综合年化 All-in APR (IRR × 12): {_percent(result['apr'])}; "
        f"实际年化 effective: {_percent(result['apr_effective'])}"
    )


def _yuan(minor: int) -> str:
    yuan, fen = divmod(minor, 100)
    return f"{yuan:,}.{fen:02d}"


def _percent(rate: str) -> str:
    return f"{Decimal(rate) * 100:.4f}%"
