// Package quality is the quality-metrics stage (docs/REQUIREMENTS.md §5:
// CN-IM-7.4, EU-10.3, EU-TPL-1.3 and 2.3). It never changes a verdict:
// every record it sees counts in records_in, and the admitted ones
// (out.Verdict.Admitted(); quality runs last) are measured in one streaming
// pass into a per-worker State that merges exactly across workers and
// shards. Conclude writes long-format schemas.Metric rows (metric,
// dimension, value, error: the stated 95 % absolute error of an estimate, 0
// for an exact figure), rule lines, and a dataset-level finding for every
// policy limit that fails (severity error and Gate when the limit is a
// gate: `prov run` exits 3).
//
// # What is exact and what is estimated
//
// Exact (integer counts, merged by addition): records, bytes, characters,
// tokens per modality and source, the EU template size bin, empty / too
// short / invalid UTF-8 / mostly non-letter / repetitive (duplicate line or
// paragraph share, Gopher thresholds) rates, duplicate line and paragraph
// fractions, mean word length, field completeness, source entropy and top
// source share, and the domain and label tables while they hold at most
// quality.domain_cap keys. Lengths go into a fixed quarter-octave histogram:
// percentiles are exact up to half a bin (stated as the error).
//
// Tokens are estimated without a tokenizer, deterministically: each CJK
// character (Han, kana, Hangul) and CJK punctuation mark counts 1, and
// every other white-space separated word counts ceil(characters/4).
//
// Duplicates. Storing millions of digests would break the memory bound (the
// state goes into shard segments), so duplicates are measured on a bottom-k
// sample: the quality.sample_size distinct record digests with the smallest
// keyed hash (splitmix64 of the digest xor a key from the policy seed). The
// sample does not depend on input order or on how records are split across
// workers and shards, and a digest in the final sample was kept from its
// first occurrence, so its multiplicity is exact. While the dataset has at
// most k distinct records the sample is the whole dataset and the
// exact-duplicate rate 1 - distinct/records is exact; beyond, it is
// 1 - 1/mean multiplicity of the sampled digests, with the delta-method
// error (much tighter than a HyperLogLog distinct count for the low
// duplicate rates of curated data, and exact on small corpora, which a
// HyperLogLog is not). Per-source rates use a per-source sample of
// min(k, 4096).
//
// Near duplicates: each digest entering the sample gets a MinHash signature
// of its character 5-grams (lower-cased, white space folded) by one
// permutation hashing with 128 bins and rotation densification: one hash
// per shingle, a few microseconds per KiB. Conclude bands the signatures
// (LSH; for the default Jaccard threshold 0.8, 16 bands of 8 rows: a pair
// at 0.8 is a candidate with probability 0.947) and confirms a candidate
// when the estimated similarity is at least the threshold minus two
// standard errors. The near-duplicate rate is the share of distinct records
// that deduplication would remove (records minus clusters). While the sample
// is the whole dataset its error is the LSH miss rate at the threshold;
// beyond, a pair is only seen when both ends are sampled, so the in-sample
// rate is divided by the sampling rate (unbiased for pairs, an over-estimate
// for larger clusters) and the error adds the Poisson error of the pairs
// found. The Gopher top word 2-gram share is likewise measured on the
// sample (top_bigram_rate).
//
// Languages: the declared FieldLanguage wins; otherwise the script
// decides when one language writes it (kana with Han: ja, Han: zh, Hangul:
// ko, Greek: el, Thai: th and a dozen more), at no cost: the text pass
// counts letters per script. Texts in a script several languages share
// (Latin, Cyrillic, Arabic, Devanagari, Ethiopic, Hebrew) are identified by
// a character-trigram model (langid.go) on at most 256 letters of that
// script, only for the records in a nested bottom-k sub-sample
// (quality.language_sample_size), and their language split is extrapolated
// to all such records with a binomial error. Like the sample, the
// sub-sample has a gate shared by the process's states: a record above the
// k-th smallest hash the states' sub-samples have admitted cannot be in the
// final sub-sample and is not identified (the same caveat on segments
// reused from another run applies). The model scores the text's
// trigrams against whatlanggo's 300-trigram profiles of each language
// (langprofiles.go, generated from github.com/abadojack/whatlanggo v1.0.1,
// MIT), restricted to the configured and a dozen common languages, as
// naive Bayes with Zipf-shaped probabilities, from one open-addressing
// table built once per process: no map, no sort and no allocation per
// call. It replaced whatlanggo itself, which builds a trigram map and sorts
// it on every call: on ~2.5 KB mixed zh/en documents the identifier runs at
// ~650 MB per CPU-second against whatlanggo's 15 (BenchmarkLangID), and it
// places as many of whatlanggo's own multilingual test sentences (83/83)
// and more of their 30- and 60-character prefixes (63 and 76 of 83,
// against 62 and 73; TestIdentifyShortPrefixes). github.com/pemistahl/
// lingua-go placed the labelled sample as well (its answers are recorded in
// testdata/langchoice.tsv; the tests do not download it) but loads 0.3 s and tens of
// MB of models and costs ~80-100 µs per short text. Languages the policy
// (or, by default, the source registry) does not list are reported as
// "other".
//
// Domains are registrable domains (public-suffix aware, eTLD+1) of
// FieldURL; the top 10 % of them by bytes answer EU template §2.3. Past
// quality.domain_cap distinct domains the table keeps a hash-chosen uniform
// subset of domains (still order-free); those figures are then flagged with
// an error as large as the value. Labels are the top-level "label" or
// "labels[].label" strings of FieldLabels.
package quality
