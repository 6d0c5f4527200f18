"""Development and test aids: a local Weaviate runner and a dev embedding endpoint."""
