"""The story's articles: loading files of several formats from the corpus directory into an immutable Corpus."""

from corpus.directory import Corpus, CorpusDiff, CorpusLoad, diff_corpora, diff_hashes, load_corpus
from corpus.loaders import SUPPORTED_SUFFIXES, article_id_for, load_file, parse_articles
from corpus.models import Article, CorpusFileError, Paragraph

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Article",
    "Corpus",
    "CorpusDiff",
    "CorpusFileError",
    "CorpusLoad",
    "Paragraph",
    "article_id_for",
    "diff_corpora",
    "diff_hashes",
    "load_corpus",
    "load_file",
    "parse_articles",
]
