"""Pseudonymisation: beneficiary_id -> person_key, a keyed HMAC-SHA256 (REVIEW_PSEUDONYM_KEY).

The lake, the reject context and everything downstream carry only the hash; the key never leaves the
refresh's own processes (its short public fingerprint is part of the lake's cache keys:
pipelines/ingest_lake.py). A worker process of the ingest (pipelines/ingest.py) receives the Pseudonymiser
through its pipe from the refresh process, never through a file, the environment or a log.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl


class Pseudonymiser:
    """HMAC-SHA256 of case numbers with a key from REVIEW_PSEUDONYM_KEY.

    The HMAC's inner and outer states are prepared once and copied per value (same result as
    `hmac.new(key, msg, sha256)`, about 3x faster), and each distinct case number is hashed once.
    """

    def __init__(self, key: str):
        self._key = key
        k = key.encode("utf-8")
        if len(k) > 64:
            k = hashlib.sha256(k).digest()
        k = k.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
        # A short public fingerprint of the key: part of the cache key, so a new key re-hashes everything.
        self.fingerprint = hmac.new(key.encode("utf-8"), b"review-key-fingerprint", hashlib.sha256).hexdigest()[:12]

    def __reduce__(self):
        # hashlib states cannot be pickled: an ingest worker process prepares them again from the key
        return (Pseudonymiser, (self._key,))

    def __repr__(self) -> str:  # never the key
        return f"Pseudonymiser(fingerprint={self.fingerprint!r})"

    def digest(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def hash_series(self, s: pl.Series) -> pl.Series:
        uniq = s.unique()
        mapping = pl.DataFrame({"v": uniq, "h": pl.Series([self.digest(v) for v in uniq.to_list()], dtype=pl.String)})
        return s.to_frame("v").join(mapping, on="v", how="left", maintain_order="left")["h"]
