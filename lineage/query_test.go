package lineage

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

func TestQueries(t *testing.T) {
	l := openTest(t, testConfig(t))
	f := buildFixture(t, l)
	ctx := context.Background()
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("dataset", func(t *testing.T) {
		d, err := v.Dataset(ctx, "chat", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Versions) != 2 || d.Versions[0].Version != "v1" || d.Versions[1].Version != "v2" {
			t.Fatalf("versions %+v", d.Versions)
		}
		v1 := d.Versions[0]
		if v1.SupersededBy != "v2" || v1.Objects != 2 || !slices.Equal(v1.Sources, []string{"oss", "web"}) {
			t.Fatalf("v1 %+v", v1)
		}
		if len(v1.Runs) != 1 || v1.Runs[0].Status != "ok" || v1.Runs[0].Started == nil {
			t.Fatalf("v1 runs %+v", v1.Runs)
		}
		if len(v1.Certificates) != 1 || v1.Certificates[0].Status != StatusSuperseded || v1.Certificates[0].Cause != int64(f.v2) {
			t.Fatalf("v1 certificate %+v", v1.Certificates)
		}
		if c := d.Versions[1].Certificates; len(c) != 1 || c[0].Status != StatusValid {
			t.Fatalf("v2 certificate %+v", c)
		}
		if _, err := v.Dataset(ctx, "chat", "v9"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing version: %v", err)
		}
	})

	t.Run("object", func(t *testing.T) {
		o, err := v.Object(ctx, "s3://in/web/a.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Ingested) != 1 || len(o.Ingested[0].Versions) != 2 {
			t.Fatalf("object %+v", o)
		}
		o, err = v.Object(ctx, "s3://in/web/c.jsonl")
		if err != nil || len(o.Ingested[0].Versions) != 1 || o.Ingested[0].Versions[0].Version != "v2" {
			t.Fatalf("object c: %+v %v", o, err)
		}
		if _, err := v.Object(ctx, "s3://in/none"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing object: %v", err)
		}
	})

	t.Run("record", func(t *testing.T) {
		tests := []struct {
			name     string
			d        schemas.Digest
			verdict  schemas.Verdict
			versions []string
		}{
			{"admitted in both", digest("s3://in/web/a.jsonl#1"), schemas.Admit, []string{"v1", "v2"}},
			{"redacted in v2 only", digest("s3://in/web/c.jsonl#5"), schemas.Redact, []string{"v2"}},
			{"rejected", digest("s3://in/oss/b.jsonl#6"), schemas.Reject, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r, err := v.Record(ctx, tc.d)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Occurrences) != 1 || r.Occurrences[0].Verdict != tc.verdict {
					t.Fatalf("occurrences %+v", r.Occurrences)
				}
				var got []string
				for _, vr := range r.Versions {
					got = append(got, vr.Version)
				}
				if !slices.Equal(got, tc.versions) {
					t.Fatalf("versions %v, want %v", got, tc.versions)
				}
			})
		}
		r, _ := v.Record(ctx, digest("s3://in/web/a.jsonl#1"))
		if r.Occurrences[0].Line != 2 || r.Occurrences[0].Object != "s3://in/web/a.jsonl" {
			t.Fatalf("locator %+v", r.Occurrences[0])
		}
		if _, err := v.Record(ctx, digest("nope")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing record: %v", err)
		}
	})

	t.Run("subject", func(t *testing.T) {
		s, err := v.Subject(ctx, f.alice)
		if err != nil {
			t.Fatal(err)
		}
		// 4 records (lines 1, 6, 11, 16) per object, 3 objects.
		if len(s.Records) != 12 || len(s.Versions) != 2 {
			t.Fatalf("subject: %d records, versions %+v", len(s.Records), s.Versions)
		}
		if _, err := v.Subject(ctx, l.SubjectKey("email", "bob@example.com")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown subject: %v", err)
		}
	})

	t.Run("impact", func(t *testing.T) {
		im, err := v.Impact(ctx, "oss")
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Objects) != 1 || len(im.Versions) != 2 || len(im.Certificates) != 2 {
			t.Fatalf("impact %+v", im)
		}
	})

	t.Run("diff", func(t *testing.T) {
		d, err := v.Diff(ctx, "chat", "v1", "v2")
		if err != nil {
			t.Fatal(err)
		}
		// c.jsonl: 20 records, lines 7 and 14 rejected (i%7==6) → 18 admitted.
		if !slices.Equal(d.ObjectsAdded, []string{"s3://in/web/c.jsonl"}) || len(d.ObjectsRemoved) != 0 ||
			d.RecordsAdded != 18 || d.RecordsRemoved != 0 {
			t.Fatalf("diff %+v", d)
		}
		back, err := v.Diff(ctx, "chat", "v2", "v1")
		if err != nil || back.RecordsRemoved != 18 || len(back.ObjectsRemoved) != 1 {
			t.Fatalf("reverse diff %+v %v", back, err)
		}
		// A version diffed with itself is found and empty (from = to
		// used to report the version as not found).
		same, err := v.Diff(ctx, "chat", "v2", "v2")
		if err != nil {
			t.Fatalf("diff v2 v2: %v", err)
		}
		if same.From.Version != "v2" || same.To.Version != "v2" || same.RecordsAdded != 0 || same.RecordsRemoved != 0 ||
			len(same.ObjectsAdded)+len(same.ObjectsRemoved)+len(same.ObjectsChanged) != 0 {
			t.Fatalf("diff v2 v2 %+v", same)
		}
		if _, err := v.Diff(ctx, "chat", "v2", "v9"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("diff with a missing version: %v", err)
		}
	})

	t.Run("as of", func(t *testing.T) {
		old, err := l.At(ctx, AsOf{Size: f.v1 + 1})
		if err != nil {
			t.Fatal(err)
		}
		d, err := old.Dataset(ctx, "chat", "")
		if err != nil || len(d.Versions) != 1 || d.Versions[0].SupersededBy != "" {
			t.Fatalf("as of v1: %+v %v", d, err)
		}
		if _, err := old.Object(ctx, "s3://in/web/c.jsonl"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("object c before it was ingested: %v", err)
		}
		s, _, _ := l.Entry(ctx, f.v1)
		byTime, err := l.At(ctx, AsOf{Time: s.Time})
		if err != nil || byTime.Size() != f.v1+1 {
			t.Fatalf("as of time of v1: size %d err %v, want %d", byTime.Size(), err, f.v1+1)
		}
		sub, err := old.Subject(ctx, f.alice)
		if err != nil || len(sub.Versions) != 1 {
			t.Fatalf("subject as of v1: %+v %v", sub, err)
		}
	})
}

func TestParseAsOf(t *testing.T) {
	tests := []struct {
		in      string
		size    uint64
		hasTime bool
		bad     bool
	}{
		{"", 0, false, false},
		{"12", 12, false, false},
		{"2026-03-01T08:00:05Z", 0, true, false},
		{"2026-03-01", 0, true, false},
		{"0", 0, false, true},
		{"yesterday", 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAsOf(tc.in)
			if (err != nil) != tc.bad || a.Size != tc.size || a.Time.IsZero() == tc.hasTime {
				t.Fatalf("ParseAsOf(%q) = %+v, %v", tc.in, a, err)
			}
		})
	}
}

func TestRevocation(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(context.Context, *Ledger, *fixture) (*Revocation, error)
		certs  int // certificates revoked
	}{
		{"source web", func(ctx context.Context, l *Ledger, f *fixture) (*Revocation, error) {
			return l.RevokeSource(ctx, "web", "complaint upheld", "case-7")
		}, 1},
		{"object c", func(ctx context.Context, l *Ledger, f *fixture) (*Revocation, error) {
			return l.RevokeObject(ctx, "s3://in/web/c.jsonl", "takedown", "case-8")
		}, 1},
		{"consent", func(ctx context.Context, l *Ledger, f *fixture) (*Revocation, error) {
			return l.WithdrawConsent(ctx, f.alice, "PIPL-15", "req-9")
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := openTest(t, testConfig(t))
			f := buildFixture(t, l)
			ctx := context.Background()
			r, err := tc.revoke(ctx, l, f)
			if err != nil {
				t.Fatal(err)
			}
			revoked := 0
			for _, c := range r.Certificates {
				if c.Status == StatusRevoked {
					revoked++
					if c.Cause != int64(r.Leaf) {
						t.Fatalf("cause %d, want %d", c.Cause, r.Leaf)
					}
				}
			}
			if revoked != tc.certs || len(r.Versions) == 0 {
				t.Fatalf("revocation %+v", r)
			}
			v, _ := l.At(ctx, AsOf{})
			st, err := v.CertificateStatus(ctx, "chat", "v2")
			if err != nil || st.Status != StatusRevoked || st.Cause != int64(r.Leaf) {
				t.Fatalf("status %+v %v", st, err)
			}
			size := l.Size()
			if _, err := tc.revoke(ctx, l, f); err != nil || l.Size() != size {
				t.Fatalf("repeating the revocation appended entries (%d → %d): %v", size, l.Size(), err)
			}
			before, _ := l.At(ctx, AsOf{Size: r.Leaf})
			if st, _ := before.CertificateStatus(ctx, "chat", "v2"); st.Status != StatusValid {
				t.Fatalf("status before the revocation: %+v", st)
			}
			if _, err := l.VerifyAll(ctx, VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
