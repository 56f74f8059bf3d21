"""Tables (markdown, with ratios to rank-bm25 and to the best peer) and the PNG of latency and memory by size."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (key, heading, format, lower is better)
COLUMNS = [
    ("build_s", "build s", "{:,.2f}", True),
    ("build_peak_mb", "build peak MB", "{:,.0f}", True),
    ("disk_mb", "disk MB", "{:,.1f}", True),
    ("load_cold_ms", "load cold ms", "{:,.1f}", True),
    ("load_mmap_ms", "load mmap ms", "{:,.1f}", True),
    ("rss_after_queries_mb", "loaded RSS MB", "{:,.0f}", True),
    ("p50_ms", "p50 ms", "{:,.3f}", True),
    ("p99_ms", "p99 ms", "{:,.3f}", True),
    ("qps", "queries/s", "{:,.0f}", False),
]
BASELINE = "rank-bm25"
OURS = "storybot"


def _value(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) else None


def best_peer(rows: dict[str, dict[str, Any]], key: str, lower: bool) -> tuple[str, float] | None:
    """The best peer (any engine but ours) for one figure: its name and value."""
    candidates = [(name, v) for name, row in rows.items() if name != OURS and (v := _value(row, key)) is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda item: item[1] if lower else -item[1])


def size_table(size: int, rows: dict[str, dict[str, Any]]) -> list[str]:
    """The markdown lines of one corpus size: figures, then the ratios."""
    lines = [f"### {size:,} paragraphs", ""]
    lines.append("| engine | " + " | ".join(heading for _, heading, _, _ in COLUMNS) + " | queries timed |")
    lines.append("|---|" + "---:|" * (len(COLUMNS) + 1))
    for name, row in rows.items():
        cells = [fmt.format(v) if (v := _value(row, key)) is not None else "n/a" for key, _, fmt, _ in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row.get('queries', 'n/a')} |")
    lines += ["", "Ratios (engine ÷ rank-bm25 · engine ÷ best peer; below 1 is better, except queries/s):", ""]
    lines.append("| engine | " + " | ".join(heading for _, heading, _, _ in COLUMNS) + " |")
    lines.append("|---|" + "---:|" * len(COLUMNS))
    baseline = rows.get(BASELINE, {})
    for name, row in rows.items():
        cells = []
        for key, _, _, lower in COLUMNS:
            value, base, best = _value(row, key), _value(baseline, key), best_peer(rows, key, lower)
            if value is None:
                cells.append("n/a")
                continue
            to_base = f"{value / base:.3g}×" if base else "–"
            to_best = f"{value / best[1]:.3g}× {best[0]}" if best and best[1] else "–"
            cells.append(f"{to_base} · {to_best}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


# Issue 14's targets for the engine: (figure, heading, bound). "fastest": at or below the fastest peer of the run;
# ("tantivy", x): within x times tantivy's figure; a number: at most that.
TARGETS: list[tuple[str, str, Any]] = [
    ("p50_ms", "p50 ms", "fastest"),
    ("p99_ms", "p99 ms", "fastest"),
    ("disk_mb", "disk MB", ("tantivy", 2.0)),
    ("build_peak_mb", "build peak MB", ("tantivy", 2.0)),
    ("rss_after_load_mb", "RSS after loading MB", 250.0),
    ("rss_after_queries_mb", "RSS after the queries MB", ("tantivy", 2.0)),
]


def _limit(rows: dict[str, dict[str, Any]], key: str, bound: Any) -> tuple[float, str] | None:
    """The bound a figure must meet in this run, and what it is."""
    if bound == "fastest":
        return (best[1], best[0]) if (best := best_peer(rows, key, lower=True)) else None
    if isinstance(bound, tuple):
        peer, times = bound
        return (value * times, f"{times:g}× {peer}") if (value := _value(rows.get(peer, {}), key)) else None
    return float(bound), "target"


def target_table(results: dict[int, dict[str, dict[str, Any]]]) -> list[str]:
    """Each of issue 14's targets for storybot, per size: its figure, the bound in this run, met or not."""
    lines = ["### Targets (issue 14): storybot against this run's peers", ""]
    lines.append("| paragraphs | " + " | ".join(heading for _, heading, _ in TARGETS) + " |")
    lines.append("|---|" + "---|" * len(TARGETS))
    for size, rows in sorted(results.items()):
        cells = []
        for key, _, bound in TARGETS:
            ours, limit = _value(rows.get(OURS, {}), key), _limit(rows, key, bound)
            if ours is None or limit is None:
                cells.append("n/a")
                continue
            met = ours <= limit[0]
            cells.append(
                f"{ours:,.3g} {'≤' if met else '>'} {limit[0]:,.3g} ({limit[1]}): {'met' if met else '**not met**'}"
            )
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return [*lines, ""]


# Issue 14's targets that this script does not measure: where they are (kept in every report it writes).
BEYOND_THE_ENGINE = [
    "Start-up to the first answer and memory after loading (`bench/bench_startup.py`, before and after side by side): "
    "`startup.md`. The whole ask path, question in and rendered answer out, stage by stage against this engine's own "
    "query time (`bench/bench_ask_path.py`): `ask_path.md`. The event loop during a reload of 1,000,000 paragraphs "
    "(`bench/load_bot.py --paragraphs 1000000`): `startup.md`.",
    "",
]


def markdown(results: dict[int, dict[str, dict[str, Any]]], header: Sequence[str]) -> str:
    """The whole report: a header (command, machine, notes), the targets, and one section per size."""
    lines = [*header, *target_table(results), *BEYOND_THE_ENGINE]
    for size, rows in sorted(results.items()):
        lines += size_table(size, rows)
        if agreement := rows.get(OURS, {}).get("agreement"):
            lines.append(f"storybot's top 10 against rank-bm25's (same tokens): {agreement}")
            lines.append("")
    return "\n".join(lines)


def plot(results: dict[int, dict[str, dict[str, Any]]], path: Path) -> None:
    """Latency (p50, p99), disk, memory (build peak, loaded) and cold load against corpus size, one line per engine,
    log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("p50_ms", "query p50 (ms, top 10)"),
        ("p99_ms", "query p99 (ms, top 10)"),
        ("disk_mb", "index on disk (MB)"),
        ("build_peak_mb", "build peak memory (MB above input)"),
        ("rss_after_queries_mb", "resident memory of the loaded index (MB)"),
        ("load_cold_ms", "load, fresh process, cold page cache (ms)"),
    ]
    figure, axes = plt.subplots(2, 3, figsize=(17, 9))
    engines = list(dict.fromkeys(name for rows in results.values() for name in rows))
    for axis, (key, title) in zip(axes.flat, panels, strict=True):
        for number, name in enumerate(engines):  # a fixed colour per engine, whichever panels it is missing from
            points = [(size, v) for size, rows in sorted(results.items()) if (v := _value(rows.get(name, {}), key))]
            if points:
                xs, ys = zip(*points, strict=True)
                axis.plot(xs, ys, marker="o", label=name, color=f"C{number}", linewidth=2.5 if name == OURS else 1.2)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("paragraphs")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    axes.flat[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
