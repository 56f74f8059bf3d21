"""Article extractors side by side on the saved news pages of tests/pages/ (run by hand; see bench/README.md).

Each extractor runs in its own virtualenv (so that install size and import time are its own), in a child process:

    python3 -m venv /tmp/x/base                                   # the baseline: an empty virtualenv
    python3 -m venv /tmp/x/trafilatura && /tmp/x/trafilatura/bin/pip install trafilatura lxml_html_clean
    python3 -m venv /tmp/x/readability && /tmp/x/readability/bin/pip install readability-lxml
    python3 -m venv /tmp/x/newspaper4k && /tmp/x/newspaper4k/bin/pip install newspaper4k
    .venv/bin/python bench/bench_extractors.py --base /tmp/x/base \\
        --venv storybot=.venv --venv trafilatura=/tmp/x/trafilatura \\
        --venv readability=/tmp/x/readability --venv newspaper4k=/tmp/x/newspaper4k

Per page and set (dev: the pages settings were chosen on; held-out: reported only): word precision and recall of the
body against the hand-written expected paragraphs (bags of lowercased words), whether the title and the date (day)
are right; per extractor: install size above an empty virtualenv, import time (median of fresh processes) and
extraction time per page. No network: every page is read from disk and handed over as text.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "tests" / "pages"
WORD = re.compile(r"\w+")
IMPORTS = {
    "storybot": "trafilatura",
    "trafilatura": "trafilatura",
    "readability": "readability",
    "newspaper4k": "newspaper",
}


def pages() -> list[tuple[str, str, dict]]:
    """(name, html text, expected) for every saved page, decoded with the charset it is served with."""
    found = []
    for expected_file in sorted(PAGES.glob("*.expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        name = expected_file.name.removesuffix(".expected.json")
        charset = expected.get("charset", "utf-8")
        codec = "cp1252" if charset.lower() in {"iso-8859-1", "latin-1", "us-ascii"} else charset  # as browsers do
        found.append((name, (PAGES / f"{name}.html").read_bytes().decode(codec), expected))
    return found


def extract_trafilatura(html: str, url: str, variant: str) -> dict:
    """trafilatura's bare_extraction: text lines as paragraphs, its title and date."""
    import trafilatura

    options = {"favor_precision": variant.startswith("precision"), "favor_recall": variant.startswith("recall")}
    links = variant.endswith("links")
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=links,
        deduplicate=False,
        **options,
    )
    if document is None:
        return {"paragraphs": [], "title": None, "date": None}
    if variant.endswith("text"):  # its plain-text output, list items marked with "- "
        paragraphs = (document.text or "").split("\n")
    else:  # the blocks of its XML body: paragraphs, headings, list items, quotes, table rows
        blocks = [
            block
            for block in document.body.iter(*TRAFILATURA_BLOCKS)
            if not any(child.tag in TRAFILATURA_BLOCKS for child in block.iterdescendants())
        ]
        if links:  # a block that is mostly a link points to another page ("Read more: …"): not the article
            blocks = [block for block in blocks if not mostly_link(block)]
        paragraphs = [(" | " if block.tag == "row" else "").join(block.itertext()) for block in blocks]
    return {"paragraphs": paragraphs, "title": document.title, "date": document.date}


TRAFILATURA_BLOCKS = ("p", "head", "item", "quote", "row")


def mostly_link(block) -> bool:
    """Whether at least 80% of a block's letters are inside its links (trafilatura's <ref> elements)."""
    letters = sum(char.isalnum() for char in "".join(block.itertext()))
    linked = sum(char.isalnum() for ref in block.iter("ref") for char in "".join(ref.itertext()))
    return letters > 0 and linked >= 0.8 * letters


def extract_readability(html: str, url: str, variant: str) -> dict:
    """readability-lxml's summary, split into its block elements; it finds no date."""
    import lxml.html
    from readability import Document

    document = Document(html, url=url)
    tree = lxml.html.fromstring(document.summary(html_partial=True))
    blocks = tree.xpath("//p|//li|//h1|//h2|//h3|//h4|//blockquote[not(.//p)]")
    paragraphs = [" ".join(block.text_content().split()) for block in blocks]
    return {"paragraphs": [p for p in paragraphs if p], "title": document.short_title(), "date": None}


def extract_newspaper4k(html: str, url: str, variant: str) -> dict:
    """newspaper4k's Article parsed from the given html (no download)."""
    import newspaper

    article = newspaper.Article(url, fetch_images=False)
    article.download(input_html=html)
    article.parse()
    date = article.publish_date.date().isoformat() if article.publish_date else None
    return {"paragraphs": [p for p in article.text.split("\n") if p.strip()], "title": article.title, "date": date}


def extract_storybot(html: str, url: str, variant: str) -> dict:
    """What the bot stores: corpus/extract.py (trafilatura favouring precision, its XML blocks, link-only
    paragraphs and title repeats dropped). Run in the project's virtualenv."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from corpus.extract import extract_article
    from corpus.web_address import ArticleRefused

    try:
        article = extract_article(html, url)
    except ArticleRefused:
        return {"paragraphs": [], "title": None, "date": None}
    date = article.published.isoformat() if article.published else None
    return {"paragraphs": list(article.paragraphs), "title": article.title, "date": date}


EXTRACTORS = {
    "storybot": extract_storybot,
    "trafilatura": extract_trafilatura,
    "readability": extract_readability,
    "newspaper4k": extract_newspaper4k,
}


def run_child(extractor: str, variant: str, repeats: int) -> None:
    """In the extractor's virtualenv: extract every page, print one JSON object per page."""
    function = EXTRACTORS[extractor]
    for name, html, expected in pages():
        result = function(html, expected["url"], variant)
        result["paragraphs"] = clean(result["paragraphs"], result["title"])
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            function(html, expected["url"], variant)
            timings.append(time.perf_counter() - started)
        result.update(page=name, seconds=statistics.median(timings) if timings else None)
        print(json.dumps(result, default=str))


def clean(paragraphs: list[str], title: str | None) -> list[str]:
    """The same tidying for every extractor (as corpus/extract.py does): whitespace collapsed, paragraphs without a
    letter or digit ('___') dropped, and leading paragraphs that repeat the title dropped."""
    kept = [" ".join(paragraph.split()) for paragraph in paragraphs]
    kept = [paragraph for paragraph in kept if any(char.isalnum() for char in paragraph)]
    folded = " ".join((title or "").split()).casefold()
    while kept and kept[0].casefold() == folded:
        kept.pop(0)
    return kept


def words(paragraphs: list[str]) -> Counter:
    """The bag of lowercased words of some paragraphs (curly and straight quotes alike are not words)."""
    return Counter(word for paragraph in paragraphs for word in WORD.findall(paragraph.lower()))


def score(result: dict, expected: dict) -> dict:
    """Word precision and recall of the body, title and date right or not."""
    got, want = words(result["paragraphs"]), words(expected["paragraphs"])
    common = sum((got & want).values())
    title = " ".join((result["title"] or "").split())
    return {
        "precision": common / sum(got.values()) if got else 0.0,
        "recall": common / sum(want.values()),
        "exact": sum(p in result["paragraphs"] for p in expected["paragraphs"]) / len(expected["paragraphs"]),
        "title": title == expected["title"],
        "date": (result["date"] or "")[:10] == expected["published"],
    }


def site_packages_kb(venv: Path) -> int:
    """Size of a virtualenv's site-packages in KiB (du)."""
    (folder,) = venv.glob("lib/python3*/site-packages")
    return int(subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True, check=True).stdout.split()[0])


def import_seconds(python: Path, module: str, runs: int) -> float:
    """Median wall time of a fresh `python -c 'import module'` minus that of `python -c pass`."""

    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, capture_output=True)
        return time.perf_counter() - started

    timed(f"import {module}")  # warm the page cache and write the .pyc files first
    bare = statistics.median(timed("pass") for _ in range(runs))
    return statistics.median(timed(f"import {module}") for _ in range(runs)) - bare


def main(argv: list[str] | None = None) -> None:
    """Drive the children and print the tables (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", action="append", default=[], help="EXTRACTOR=VENV (repeat)")
    parser.add_argument("--base", type=Path, help="an empty virtualenv, for the install size baseline")
    parser.add_argument("--variants", default="trafilatura:default,precision,recall,precision-text,precision-links")
    parser.add_argument("--repeats", type=int, default=5, help="timed extractions per page")
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("EXTRACTOR", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(*args.child, args.repeats)
        return
    variants = {name: spec.split(",") for name, spec in (item.split(":") for item in args.variants.split(";"))}
    expected = {name: page for name, _, page in pages()}
    base_kb = site_packages_kb(args.base) if args.base else 0
    summary = []
    print("| extractor | page | set | precision | recall | title | date | ms |")
    print("|---|---|---|---|---|---|---|---|")
    for item in args.venv:
        extractor, venv = item.split("=", 1)
        python = Path(venv) / "bin" / "python"
        for variant in variants.get(extractor, ["default"]):
            label = extractor if variant == "default" else f"{extractor} ({variant})"
            child = [str(python), __file__, "--child", extractor, variant, "--repeats", str(args.repeats)]
            output = subprocess.run(child, capture_output=True, text=True, check=True, timeout=600).stdout
            rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
            by_set: dict[str, list[dict]] = {}
            for row in rows:
                page = expected[row["page"]]
                scored = score(row, page)
                by_set.setdefault(page["set"], []).append(scored)
                marks = ["✓" if scored[key] else "✗" for key in ("title", "date")]
                print(
                    f"| {label} | {row['page']} | {page['set']} | {scored['precision']:.3f} | {scored['recall']:.3f} "
                    f"| {marks[0]} | {marks[1]} ({row['date']}) | {row['seconds'] * 1000:.1f} |"
                )
            summary.append((label, extractor, python, by_set, statistics.median(row["seconds"] for row in rows)))
    print()
    print(
        "| extractor | set | mean precision | mean recall | exact paragraphs | titles | dates | ms/page "
        "| install MiB | import s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    measured: dict[str, tuple[str, float]] = {}
    for label, extractor, python, by_set, seconds in summary:
        if extractor not in measured:
            # storybot runs in the project's virtualenv: its size would be the whole project's, so it is not shown
            kib = site_packages_kb(python.parent.parent) - base_kb
            size = "—" if extractor == "storybot" else f"{kib / 1024:.1f}"
            measured[extractor] = (size, import_seconds(python, IMPORTS[extractor], args.import_runs))
        size, imported = measured[extractor]
        for name, scored in sorted(by_set.items()):
            precision = statistics.mean(s["precision"] for s in scored)
            recall = statistics.mean(s["recall"] for s in scored)
            exact = statistics.mean(s["exact"] for s in scored)
            titles = sum(s["title"] for s in scored)
            dates = sum(s["date"] for s in scored)
            print(
                f"| {label} | {name} | {precision:.3f} | {recall:.3f} | {exact:.3f} | {titles}/{len(scored)} "
                f"| {dates}/{len(scored)} | {seconds * 1000:.1f} | {size} | {imported:.2f} |"
            )


if __name__ == "__main__":
    sys.exit(main())
