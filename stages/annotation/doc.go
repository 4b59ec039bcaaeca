// Package annotation is the annotation-rule conformance stage (docs/REQUIREMENTS.md
// §4): it checks, from the labels themselves, that labelled data was labelled
// under a declared, versioned set of rules (CN-IM-8.1 / TC260-5.3-b), by
// trained and examined people who did not review their own work (CN-IM-8.3 /
// TC260-5.3-a), that security labels were all reviewed and functional batches
// spot-checked (TC260-5.3-c), and it measures labelling quality per batch and
// per dataset (CN-IM-8.2): Cohen's kappa, Fleiss' kappa, Krippendorff's alpha
// (nominal), spot-check accuracy with a Wilson 95 % interval, and the label
// distribution and its entropy.
//
// # Labels format
//
// A record's labels arrive in schemas.FieldLabels as one JSON object (the
// dataset maps it, e.g. `labels: annotation`):
//
//	{"rule_version": "safety-v2",        // required: a version in the policy's rule files
//	 "batch": "b-0007",                  // required: the labelling batch
//	 "task": "security",                 // optional: must equal the rule file's task
//	 "labels": [                         // one entry per label per annotator
//	   {"label": "harmful/violence",     // full taxonomy name, '/' between levels
//	    "annotator": "ann-03",           // roster id
//	    "at": "2024-10-02T08:00:00Z",    // RFC 3339 label time
//	    "fields": {"reason": "..."},     // string fields, checked against the rules
//	    "span": [0, 12]}],               // optional [start, end) byte offsets of the text
//	 "review": {"reviewer": "rev-01", "at": "2024-10-03T09:00:00Z", "verdict": "accept"},
//	 "reviews": [ ... ],                 // optional: further reviewer verdicts
//	 "ext": { ... }}                     // optional: tool extras, ignored
//
// Unknown keys, wrong types, trailing data, a span that is not two
// non-negative offsets with start <= end, an empty label, annotator or
// reviewer, and a review verdict other than accept or reject make the labels
// malformed (ParseLabels returns a *LabelsError wrapping ErrMalformedLabels).
// Field values are never copied into findings: they may hold personal
// information.
//
// For agreement, each annotator's first known label on an item is that
// annotator's value for the item; an item with values from two or more
// annotators is pairable. Agreement is nominal (labels are categories; a
// child label and its parent are different categories).
//
// # Roster format
//
// The roster (policy `annotation.roster`, read once through Env.Open) is JSONL
// or a YAML list of schemas.Annotator:
//
//	{"id": "ann-03", "roles": ["annotator"], "trained": "2024-03-01",
//	 "exam_passed": "2024-03-10", "suspended_from": "", "suspended_to": ""}
//
// Roster ids are pseudonyms and may be cited in findings; an id that is not in
// the roster may be anything (an e-mail address) and is cited by keyed hash.
//
// # Spot checks
//
// Reviewer verdicts count wherever they are recorded: inside the labels
// (review, reviews) or in the imported spot-check file named by the policy
// (`annotation.spot_checks`, JSONL of schemas.SpotCheck, matched to records by
// rule version, batch and record id; see ParseSpotChecks). SpotCheckSelected
// draws the seeded per-item sample that `prov assess sample --annotations`
// exports for reviewers; `prov assess import` writes their verdicts to that
// file. A reviewer who labelled the item does not count (self-review).
//
// # Decisions and rule lines
//
// Record-level violations (malformed labels, missing or unknown rule version,
// unknown label, missing required field, bad span, too few annotators,
// unqualified annotator or reviewer, self-review, unreviewed security item,
// reviewer rejection) each give one finding citing its rule ID, with the
// verdict the policy sets for that kind. Records of a dataset that does not
// map the labels field, and that carry no labels, cost one bit test.
//
// Conclude states a rule line per batch for agreement and accuracy
// (CN-IM-8.2) and per functional batch for its spot-check rate
// (TC260-5.3-c), with the measured figure; the policy makes them gates.
// The State keeps per-batch pair counts (not items), so its size does not
// grow with the number of items and it merges exactly across workers and
// shards.
package annotation
