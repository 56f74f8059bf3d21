"""The data sets of the tuning protocol (bench/protocol.py), split once into a development and a test side.

- SQuAD (`squad-questions-dev`, 24 Wikipedia articles, 1,065 paragraphs, 1,096 questions): the articles are shuffled
  with SEED and split in two halves of 12; `squad-dev` is one half's questions over that half's paragraphs,
  `squad-test` the other's. Paragraphs are indexed as the bot indexes a story: text only, grouped by article in order
  (the article title is not part of a paragraph).
- SciFact: its 809 training queries (`qrels/train.tsv`) are `scifact-dev`, its 300 test queries `scifact-test`, both
  over the 5,183 abstracts (title, then text, as one paragraph).
- Cranfield: all 225 long queries over 1,400 abstracts are `cranfield-test` (nothing of it is tuned on).
- The story's own labelled questions (tests/test_story_questions.py) are a sanity check, never tuned on.

Unanswerable questions, for the no-answer rule: each SQuAD half's questions asked over the same half without their
own article (`squad-…-absent`: the paragraph written for them is gone; another article may still answer a few, so
correct refusals are a lower bound), and over the story (`squad-…-on-story`: nothing about Harris's border record).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.settings import BUNDLED_CORPUS
from corpus import load_corpus
from corpus.models import Article, Paragraph
from evaluation.beir import as_articles
from index.tokenizer import Tokenizer

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SEED = 20240731  # fixed before any figure was looked at; the split never changes
STORY = "story"
# Questions the story cannot answer: the no-answer rule should refuse them (a sanity set, never tuned on).
WEAK_QUESTIONS = (
    "what is the weather like in Paris today",
    "how much does a new car cost",
    "who won the football game last night",
    "what did Harris eat for breakfast",
    "what does the president think about climate change",
    "recipe for chocolate cake with border",
    "who is the best basketball player",
    "what time does the store open",
    "how do I reset my password",
    "Harris favourite movie",
    "what is Harris's favourite movie",
    "did Harris visit Paris",
    "stock market crash border",
    "who said border czr",
)


@dataclass
class Collection:
    """Articles of paragraphs to index, and the tokenized paragraphs (cached per tokenizer)."""

    name: str
    articles: list[Article]
    doc_ids: list[str]  # per index document number: the data set's id of the paragraph
    _terms: dict[str, list[list[str]]] = field(default_factory=dict)

    def terms(self, tokenizer: Tokenizer) -> list[list[str]]:
        """Every paragraph's terms, tokenized once per tokenizer fingerprint."""
        key = tokenizer.fingerprint
        if key not in self._terms:
            self._terms[key] = [tokenizer.terms(p.text) for a in self.articles for p in a.paragraphs]
        return self._terms[key]

    def without(self, article_id: str) -> Collection:
        """The same collection without one article (for questions whose article is absent)."""
        kept = [article for article in self.articles if article.id != article_id]
        ids = [doc_id for article in kept for doc_id in _paragraph_ids(article)]
        return Collection(f"{self.name}-without-{article_id}", kept, ids)


@dataclass(frozen=True)
class QuerySet:
    """Questions over a collection with their judged paragraphs (empty judgments: unanswerable)."""

    name: str
    collection: Collection
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    side: str  # dev, test or sanity
    kind: str  # questions (over paragraphs) or long (long queries over abstracts)


def _paragraph_ids(article: Article) -> list[str]:
    return [f"{article.id}-p{p.number - 1:03d}" for p in article.paragraphs]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    judged: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            query, doc, grade = line.split("\t")
            judged.setdefault(query, {})[doc] = int(grade)
    return judged


def squad_halves(root: Path) -> tuple[dict[str, list[str]], Collection, dict[str, str], dict[str, dict[str, int]]]:
    """SQuAD's articles split in halves ({"dev": [...], "test": [...]}), the whole collection, queries and qrels."""
    records = _jsonl(root / "squad-questions-dev" / "corpus.jsonl")
    grouped: dict[str, list[dict]] = {}
    for record in records:  # ids are `NN-pMMM`: article NN, paragraph MMM
        grouped.setdefault(record["_id"].split("-")[0], []).append(record)
    articles = []
    for article_id, paragraphs in sorted(grouped.items()):
        paragraphs.sort(key=lambda record: record["_id"])
        assert [r["_id"] for r in paragraphs] == [f"{article_id}-p{n:03d}" for n in range(len(paragraphs))]
        texts = tuple(Paragraph(number=n, text=r["text"]) for n, r in enumerate(paragraphs, 1))
        articles.append(Article(id=article_id, title=paragraphs[0]["title"], paragraphs=texts, file=Path(article_id)))
    order = [article.id for article in articles]
    random.Random(SEED).shuffle(order)
    halves = {"dev": sorted(order[: len(order) // 2]), "test": sorted(order[len(order) // 2 :])}
    ids = [doc_id for article in articles for doc_id in _paragraph_ids(article)]
    queries = {r["_id"]: r["text"] for r in _jsonl(root / "squad-questions-dev" / "queries.jsonl")}
    return (
        halves,
        Collection("squad", articles, ids),
        queries,
        _qrels(root / "squad-questions-dev" / "qrels" / "test.tsv"),
    )


def abstracts(root: Path, name: str) -> Collection:
    """A BEIR collection of abstracts, each one article of one paragraph (title, then text), as `bot eval` reads it."""
    corpus = {r["_id"]: (r.get("title") or "", r["text"]) for r in _jsonl(root / name / "corpus.jsonl")}
    return Collection(name, as_articles(corpus, Path(name)), list(corpus))


def story_collection() -> Collection:
    """The bundled story, paragraphs identified as `article-id:number`."""
    articles = list(load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles)
    ids = [f"{a.id}:{p.number}" for a in articles for p in a.paragraphs]
    return Collection(STORY, articles, ids)


def query_sets(root: Path, story_questions: Sequence[tuple[str, set[tuple[str, int]]]]) -> list[QuerySet]:
    """Every answerable query set of the protocol, dev sides first."""
    halves, squad, queries, qrels = squad_halves(root)
    sets = []
    for side, article_ids in halves.items():
        chosen = set(article_ids)
        kept = [a for a in squad.articles if a.id in chosen]
        collection = Collection(f"squad-{side}", kept, [d for a in kept for d in _paragraph_ids(a)])
        mine = {q: j for q, j in qrels.items() if next(iter(j)).split("-")[0] in chosen}
        sets.append(QuerySet(f"squad-{side}", collection, {q: queries[q] for q in mine}, mine, side, "questions"))
    scifact = abstracts(root, "scifact")
    scifact_queries = {r["_id"]: r["text"] for r in _jsonl(root / "scifact" / "queries.jsonl")}
    for side, file in (("dev", "train.tsv"), ("test", "test.tsv")):
        judged = _qrels(root / "scifact" / "qrels" / file)
        sets.append(QuerySet(f"scifact-{side}", scifact, {q: scifact_queries[q] for q in judged}, judged, side, "long"))
    cranfield = abstracts(root, "cranfield")
    judged = _qrels(root / "cranfield" / "qrels" / "test.tsv")
    judged = {q: j for q, j in judged.items() if any(grade > 0 for grade in j.values())}
    cran_queries = {r["_id"]: r["text"] for r in _jsonl(root / "cranfield" / "queries.jsonl")}
    sets.append(QuerySet("cranfield-test", cranfield, {q: cran_queries[q] for q in judged}, judged, "test", "long"))
    story = story_collection()
    story_qrels = {f"s{n}": {f"{a}:{p}": 1 for a, p in answers} for n, (_, answers) in enumerate(story_questions)}
    story_queries = {f"s{n}": question for n, (question, _) in enumerate(story_questions)}
    sets.append(QuerySet("story", story, story_queries, story_qrels, "sanity", "questions"))
    return sets


def absent_article_sets(squad_set: QuerySet) -> list[QuerySet]:
    """For each article of a SQuAD half: its questions over the half without it (no judged paragraph left)."""
    by_article: dict[str, list[str]] = {}
    for query, judged in squad_set.qrels.items():
        by_article.setdefault(next(iter(judged)).split("-")[0], []).append(query)
    return [
        QuerySet(
            f"{squad_set.name}-absent-{article}",
            squad_set.collection.without(article),
            {q: squad_set.queries[q] for q in questions},
            {},
            squad_set.side,
            "questions",
        )
        for article, questions in sorted(by_article.items())
    ]
