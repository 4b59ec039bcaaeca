package lineage_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/schemas/openlineage"
)

// exampleLedger opens a fresh ledger with a new key pair in a temp dir.
func exampleLedger() (*lineage.Ledger, func()) {
	dir, _ := os.MkdirTemp("", "lineage-example-")
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		fmt.Println(err)
	}
	l, err := lineage.Open(context.Background(), lineage.Config{Dir: filepath.Join(dir, "ledger"),
		Origin: "example.com/ledger", SigningKey: priv, PublicKey: pub})
	if err != nil {
		fmt.Println(err)
	}
	return l, func() { _ = l.Close(); _ = os.RemoveAll(dir) }
}

// A pipeline run records each object with its record references, seals the
// dataset version and publishes a checkpoint; a data engineer then asks
// where a record and a data subject went.
func Example() {
	l, done := exampleLedger()
	defer done()
	ctx := context.Background()
	alice := l.SubjectKey("email", lineage.NormalizeIdentifier("email", "Alice@Example.com"))
	recs := []lineage.RecordRef{
		{Digest: sha256.Sum256([]byte("hello")), Line: 1},
		{Digest: sha256.Sum256([]byte("mail alice")), Line: 2, Verdict: schemas.Redact, Subjects: []string{alice}},
		{Digest: sha256.Sum256([]byte("spam")), Line: 3, Verdict: schemas.Reject},
	}
	if _, _, err := l.Append(ctx, lineage.RunStarted{RunID: "run-1"}); err != nil {
		fmt.Println(err)
		return
	}
	obj, _, err := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: "chat", URI: "s3://corpus/web/part-0.jsonl",
		ETag: "9b2cf535f27731c974343645a3985328", Size: 512, Sources: []string{"web-news-2024"},
		PolicyDigest: "sha256:policy", RunID: "run-1"}, recs)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Re-running the unchanged object appends nothing.
	again, appended, _ := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: "chat", URI: "s3://corpus/web/part-0.jsonl",
		ETag: "9b2cf535f27731c974343645a3985328", Size: 512, Sources: []string{"web-news-2024"},
		PolicyDigest: "sha256:policy", RunID: "run-2"}, recs)
	fmt.Println("re-ingest:", again == obj, appended)
	digest := fmt.Sprintf("%x", sha256.Sum256([]byte("dataset digest")))
	if _, _, err := l.Append(ctx, lineage.DatasetSealed{Dataset: "chat", Version: "v1", Digest: digest,
		Counts: schemas.Counts{In: 3, Admit: 1, Redact: 1, Reject: 1}, Objects: []uint64{obj},
		Sources: []string{"web-news-2024"}, RunIDs: []string{"run-1"}}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		fmt.Println(err)
		return
	}

	v, _ := l.At(ctx, lineage.AsOf{})
	r, _ := v.Record(ctx, sha256.Sum256([]byte("mail alice")))
	o := r.Occurrences[0]
	fmt.Printf("record: %s line %d %s, in %s@%s\n", o.Object, o.Line, o.Verdict, r.Versions[0].Dataset, r.Versions[0].Version)
	s, _ := v.Subject(ctx, alice)
	fmt.Printf("subject: %d record(s) in %d version(s)\n", len(s.Records), len(s.Versions))
	// Output:
	// re-ingest: true false
	// record: s3://corpus/web/part-0.jsonl line 2 redact, in chat@v1
	// subject: 1 record(s) in 1 version(s)
}

// Verification recomputes everything from the stored entries and checks the
// signed checkpoints; an inclusion proof lets an auditor check one entry
// offline against a checkpoint.
func ExampleLedger_VerifyAll() {
	l, done := exampleLedger()
	defer done()
	ctx := context.Background()
	leaf, _, _ := l.Append(ctx, lineage.SourceRevoked{Source: "web-news-2024", Reason: "complaint upheld"})
	note, _ := l.Checkpoint(ctx)

	rep, err := l.VerifyAll(ctx, lineage.VerifyOptions{Checkpoints: [][]byte{note}})
	fmt.Println("verify:", rep.Size, err)

	c, err := lineage.VerifyCheckpoint(note, l.Origin(), l.PublicKey())
	if err != nil {
		fmt.Println(err)
		return
	}
	_, canonical, _ := l.Entry(ctx, leaf)
	proof, _ := l.InclusionProof(ctx, leaf, c.Size)
	fmt.Println("inclusion:", lineage.VerifyInclusion(canonical, leaf, proof, c))
	// Output:
	// verify: 1 <nil>
	// inclusion: <nil>
}

// Impact answers what was built on a source; RevokeSource records the
// complaint outcome and revokes the certificates of the affected versions.
func ExampleView_Impact() {
	l, done := exampleLedger()
	defer done()
	ctx := context.Background()
	obj, _, _ := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: "chat", URI: "file:///corpus/vendor/books.jsonl",
		Sources: []string{"vendor-books"}, PolicyDigest: "p"}, []lineage.RecordRef{{Digest: sha256.Sum256([]byte("r")), Line: 1}})
	env := fmt.Sprintf("%x", sha256.Sum256([]byte("envelope")))
	if _, _, err := l.Append(ctx, lineage.DatasetSealed{Dataset: "chat", Version: "v1", Digest: env, Objects: []uint64{obj},
		Counts: schemas.Counts{In: 1, Admit: 1}, Sources: []string{"vendor-books"}}); err != nil {
		fmt.Println(err)
		return
	}
	if _, _, err := l.Append(ctx, lineage.CertificateIssued{Dataset: "chat", Version: "v1", EnvelopeSHA256: env}); err != nil {
		fmt.Println(err)
		return
	}

	v, _ := l.At(ctx, lineage.AsOf{})
	im, _ := v.Impact(ctx, "vendor-books")
	fmt.Println("versions:", len(im.Versions), "certificate:", im.Certificates[0].Status)

	rev, _ := l.RevokeSource(ctx, "vendor-books", "contract expired", "case-42")
	fmt.Println("after revocation:", rev.Certificates[0].Status)
	// Output:
	// versions: 1 certificate: valid
	// after revocation: revoked
}

// A training job reports its OpenLineage START and COMPLETE events (here
// read from JSON lines); the ledger then answers which models were
// trained on a dataset version, and what stands behind a model.
func ExampleLedger_RecordRunEvent() {
	l, done := exampleLedger()
	defer done()
	ctx := context.Background()
	obj, _, err := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: "chat", URI: "s3://corpus/web/part-0.jsonl",
		Size: 10, Sources: []string{"web-news-2024"}, PolicyDigest: "sha256:policy"},
		[]lineage.RecordRef{{Digest: sha256.Sum256([]byte("hello")), Line: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, _, err := l.Append(ctx, lineage.DatasetSealed{Dataset: "chat", Version: "v1",
		Digest: fmt.Sprintf("%x", sha256.Sum256([]byte("d"))), Counts: schemas.Counts{In: 1, Admit: 1},
		Objects: []uint64{obj}, Sources: []string{"web-news-2024"}}); err != nil {
		fmt.Println(err)
		return
	}
	events := `{"eventType":"START","eventTime":"2026-12-01T08:00:00Z","producer":"https://example.com/trainer","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2"},"job":{"namespace":"ml","name":"finetune"},"inputs":[{"namespace":"prov","name":"chat@v1"}]}
{"eventType":"COMPLETE","eventTime":"2026-12-01T09:00:00Z","producer":"https://example.com/trainer","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2"},"job":{"namespace":"ml","name":"finetune"},"inputs":[{"namespace":"prov","name":"chat@v1"}],"outputs":[{"namespace":"s3://models","name":"chat-7b"}]}
`
	err = openlineage.ReadJSONL(strings.NewReader(events), func(line int, ev *openlineage.RunEvent, err error) error {
		if err != nil {
			return err
		}
		res, err := l.RecordRunEvent(ctx, ev, openlineage.Names{})
		if err != nil {
			return err
		}
		fmt.Println("line", line, ev.EventType, "recorded:", res.Recorded)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := l.At(ctx, lineage.AsOf{})
	m, err := v.Model(ctx, "chat-7b", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("run state:", m.Runs[0].State)
	for _, mv := range m.Versions {
		fmt.Printf("trained on %s@%s from %v, certificate %s\n", mv.Dataset, mv.Version, mv.Sources, mv.CertificateStatus)
	}
	// Output:
	// line 1 START recorded: true
	// line 2 COMPLETE recorded: true
	// run state: COMPLETE
	// trained on chat@v1 from [web-news-2024], certificate none
}
