"""Check that the target index exists with the expected mapping before a full rebuild."""
import argparse
import os
import sys

from opensearchpy import OpenSearch

REQUIRED_FIELDS = {"sku", "title", "brand", "price", "facets.colour", "facets.size", "facets.material"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    args = parser.parse_args()

    client = OpenSearch(
        os.environ["OPENSEARCH_URL"],
        http_auth=(os.environ["OPENSEARCH_USER"], os.environ["OPENSEARCH_PASSWORD"]),
    )
    mapping = client.indices.get_mapping(index=args.index)[args.index]["mappings"]
    fields = set(_flatten(mapping.get("properties", {})))
    missing = REQUIRED_FIELDS - fields
    if missing:
        print(f"index {args.index} lacks fields: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    print(f"index {args.index}: mapping ok ({len(fields)} fields)")
    return 0


def _flatten(properties: dict, prefix: str = ""):
    for name, spec in properties.items():
        yield prefix + name
        if "properties" in spec:
            yield from _flatten(spec["properties"], f"{prefix}{name}.")


if __name__ == "__main__":
    sys.exit(main())
