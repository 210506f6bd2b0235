"""Explanation texts of stored results, rendered when they are shown.

A stored result keeps, per indicator, the numbers its text is made from (value, benchmark, score, numerator,
denominator; benchmark and score left out where both are null, so a missing number reads as null) and its run keeps the fixed parts of each population's texts (engine.explain_template). The text
is put together by the same expression the engine uses (engine.explain_expr), so it reads exactly as if the
engine had built it. Results stored before the run kept templates carry their text and keep it.
"""

import polars as pl

from parkgov.evaluation.engine import explain_expr

NUMBERS = ("value", "benchmark", "score", "numerator", "denominator")


def indicator_texts(result) -> dict:
    """Indicator key → explanation text of one stored result ('' where there is none)."""
    return texts_for([result])[0]


def texts_for(results) -> list:
    """One {indicator key: text} per stored result (with its run), in order."""
    return render([(result.indicators, result.population, result.run.explanations) for result in results])


def render(entries) -> list:
    """One {indicator key: text} per (indicators JSON, population, run's explanations) entry, in one Polars pass
    per distinct template."""
    out = [{} for _ in entries]
    groups = {}  # (key, the template's parts) → (template, [(position, numbers)])
    for position, (indicators, population, explanations) in enumerate(entries):
        for key, data in (indicators or {}).items():
            if not isinstance(data, dict):
                continue
            if data.get("text"):
                out[position][key] = data["text"]
                continue
            template = ((explanations or {}).get(population or "") or {}).get(key)
            if template is None:
                out[position][key] = ""
                continue
            # one group per distinct template: results of one run share theirs even when each row has its own copy
            groups.setdefault((key, tuple(template.items())), (template, []))[1].append((position, data))
    for (key, _parts), (template, rows) in groups.items():
        columns = {name: [_number(data.get(name)) for _position, data in rows] for name in NUMBERS}
        frame = pl.DataFrame(columns, schema={name: _dtype(values) for name, values in columns.items()})
        texts = frame.select(explain_expr(template, **{name: pl.col(name) for name in NUMBERS})).to_series()
        for (position, _data), text in zip(rows, texts.to_list(), strict=True):
            out[position][key] = text
    return out


def _dtype(values):
    """Int64 for a column the engine had as integers (JSON kept them as such: '12', not '12.0'), else Float64."""
    numbers = [v for v in values if v is not None]
    return pl.Int64 if numbers and all(isinstance(v, int) for v in numbers) else pl.Float64


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
