"""``finplat risk train | evaluate | psi``: the credit scorecard's life cycle, no database.

Exit codes: 0 done, 2 bad input (a file that cannot be read, a bad option), 3 the training
extra is not installed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from finplat.risk.scorecard import dataset as dataset_rules
from finplat.risk.scorecard import drift, metrics
from finplat.risk.scorecard import model as model_rules

app = typer.Typer(
    help="Risk control: the credit scorecard, regulatory reports, watch lists. 风控。",
    no_args_is_help=True,
)
console = Console(stderr=True)
USAGE_ERROR, MISSING_EXTRA = 2, 3

DataOption = Annotated[Path, typer.Option(help="Credit CSV (layout of the training data).")]
ModelOption = Annotated[Path, typer.Option(help="Model JSON file. 模型文件。")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _read(path: Path, *, require_target: bool) -> dataset_rules.Dataset:
    try:
        return dataset_rules.read(path, require_target=require_target)
    except (OSError, UnicodeDecodeError, dataset_rules.DatasetError) as error:
        raise _fail(f"{path}: {error}") from None


def _load(path: Path) -> model_rules.Scorecard:
    try:
        return model_rules.load(path)
    except (model_rules.ModelError, KeyError, TypeError) as error:
        raise _fail(f"{path}: {error}") from None


@app.command("train")
def train(
    data: DataOption,
    out: Annotated[Path, typer.Option(help="Where to write the model JSON. 输出模型文件。")],
    seed: Annotated[int, typer.Option(help="Seed of the held-out split. 随机种子。")] = 42,
    test_size: Annotated[
        float, typer.Option(min=0.05, max=0.5, help="Held-out share (stratified). 留出比例。")
    ] = 0.3,
    model_version: Annotated[
        str, typer.Option(help="Version recorded in the model. 模型版本。")
    ] = model_rules.DEFAULT_MODEL_VERSION,
    trained_on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Training date recorded in the model. 训练日期。"),
    ] = None,
) -> None:
    """Train a scorecard on a credit CSV; the same data and seed give the same file."""
    try:
        from finplat.risk.scorecard import train as train_rules
    except ImportError as error:  # the scorecard extra is missing
        raise _fail(f"training needs the scorecard extra ({error})", MISSING_EXTRA) from None
    options = train_rules.TrainingOptions(
        seed=seed, test_size=test_size, version=model_version,
        trained_on=trained_on.date().isoformat() if trained_on else None)
    with Progress(
        TextColumn("{task.description:<36}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("reading the data", total=train_rules.STEPS + 1)
        data_set = _read(data, require_target=True)

        def step(description: str) -> None:
            progress.update(task, advance=1, description=description)

        try:
            document = train_rules.train(data_set, options=options, step=step)
        except ValueError as error:
            raise _fail(str(error)) from None
        progress.update(task, advance=1, description="done")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model_rules.dumps(document), encoding="utf-8")
    held_out = document["metrics"]["test"]
    console.print(
        f"model {document['version']} written to {out}: held-out AUC {held_out['auc']:.4f}, "
        f"KS {held_out['ks']:.4f}, Gini {held_out['gini']:.4f} ({held_out['rows']} rows)"
    )


def evaluation(card: model_rules.Scorecard, data_set: dataset_rules.Dataset) -> dict[str, Any]:
    """AUC, KS and Gini of the model's scores on a labelled data set."""
    if data_set.targets is None or len(set(data_set.targets)) < 2:
        raise ValueError("evaluation needs both outcomes in the target column")
    scores = [card.score_value(row) for row in data_set.rows]
    area = metrics.auc(scores, data_set.targets)
    return {
        "auc": round(area, 6),
        "ks": round(metrics.ks(scores, data_set.targets), 6),
        "gini": round(2 * area - 1, 6),
        "rows": len(scores),
    }


@app.command("evaluate")
def evaluate(model: ModelOption, data: DataOption, as_json: JsonOption = False) -> None:
    """Measure a model on a labelled credit CSV: AUC, KS, Gini. 评估模型区分能力。"""
    card = _load(model)
    try:
        result = evaluation(card, _read(data, require_target=True))
    except ValueError as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"scorecard {card.version}")
    for key in ("auc", "ks", "gini", "rows"):
        table.add_column(key.upper() if key != "rows" else "rows", justify="right")
    table.add_row(*(str(result[key]) for key in ("auc", "ks", "gini", "rows")))
    Console().print(table)


@app.command("psi")
def psi(
    model: ModelOption,
    actual: Annotated[Path, typer.Option(help="Recent population (CSV). 近期样本。")],
    expected: Annotated[
        Path | None,
        typer.Option(help="Reference population (CSV); default: the model's training rows."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Population stability (PSI) of the score and each feature: the drift check. 稳定性检查。"""
    card = _load(model)
    if expected is None:
        reference = drift.training_distributions(card)
    else:
        reference = drift.distributions(card, _read(expected, require_target=False).rows)
    recent = drift.distributions(card, _read(actual, require_target=False).rows)
    result = drift.report(reference, recent)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"PSI, scorecard {card.version}: {result['status']}")
    table.add_column("bucket set")
    table.add_column("PSI", justify="right")
    table.add_row("score", f"{result['score']:.4f}")
    for name, value in result["features"].items():
        table.add_row(name, f"{value:.4f}")
    Console().print(table)


def _add_operations() -> None:
    # Reports and watch lists need the database; imported here so that the scorecard commands
    # stay usable without it.
    from finplat.risk import cli_ops

    cli_ops.register(app)


_add_operations()
