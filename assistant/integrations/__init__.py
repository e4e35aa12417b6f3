"""Adapters to third-party libraries. Only modules in this package import chromadb, sentence_transformers,
SQLAlchemy, presidio, langchain or transformers; the rest of Attune sees small Protocols."""
