package openlineage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/%s: %v (%d files)", dir, err, len(files))
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func TestParseValid(t *testing.T) {
	for name, b := range readDir(t, "valid") {
		t.Run(name, func(t *testing.T) {
			ev, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Run.RunID != "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7d" || ev.Job.Name != "finetune-chat-7b" || len(ev.SHA256) != 64 {
				t.Fatalf("parsed %+v", ev)
			}
			if !strings.HasSuffix(ev.EventTime, "Z") {
				t.Errorf("eventTime %q not normalised to UTC", ev.EventTime)
			}
		})
	}
	ev, err := Parse(readDir(t, "valid")["train-start.json"])
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventTime != "2026-12-01T02:00:00Z" || ev.EventType != Start || len(ev.Inputs) != 1 {
		t.Errorf("start event %+v", ev)
	}
}

// TestParseInvalid checks that each invalid event is rejected with a
// reason that names the offending place.
func TestParseInvalid(t *testing.T) {
	want := map[string]string{
		"bad-run-id.json":     "at /run/runId",
		"no-event-time.json":  "eventTime",
		"bad-event-type.json": "at /eventType",
		"bad-facet.json":      "at /inputs/0/facets/version/datasetVersion",
		"no-job.json":         "job",
		"truncated.json":      "not JSON",
	}
	for name, b := range readDir(t, "invalid") {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(b)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s: %v", name, err)
			}
			if !strings.Contains(err.Error(), w) {
				t.Errorf("err %q does not name %q", err, w)
			}
		})
	}
}

// TestSameEventSameDigest: formatting and key order do not change SHA256.
func TestSameEventSameDigest(t *testing.T) {
	a := `{"eventTime":"2026-12-01T10:00:00Z","producer":"https://x.example/p","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7d"},"job":{"namespace":"n","name":"j"}}`
	b := "{\n \"job\": {\"name\": \"j\", \"namespace\": \"n\"},\n \"run\": {\"runId\": \"0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7d\"}, \"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\", \"producer\":\"https://x.example/p\", \"eventTime\":\"2026-12-01T10:00:00Z\"}"
	ea, err := Parse([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	eb, err := Parse([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	if ea.SHA256 != eb.SHA256 || ea.EventType != Other {
		t.Errorf("digests %s %s, type %q", ea.SHA256, eb.SHA256, ea.EventType)
	}
}

func TestNamesVersion(t *testing.T) {
	n := Names{StoreNamespace: "s3://prov-out", StorePrefix: "certified/"}
	for _, c := range []struct {
		ns, name, ds, ver string
	}{
		{"prov", "chat@v1", "chat", "v1"},
		{"prov", "chat", "", ""},
		{"prov", "@v1", "", ""},
		{"s3://prov-out", "certified/chat/v1", "chat", "v1"},
		{"s3://prov-out", "certified/chat/v1/records/part-0.parquet", "chat", "v1"},
		{"s3://prov-out", "certified/chat", "", ""},
		{"s3://prov-out", "other/chat/v1", "", ""},
		{"s3://other", "certified/chat/v1", "", ""},
		{"file", "/data/chat/v1", "", ""},
	} {
		ds, ver, ok := n.Version(Dataset{Namespace: c.ns, Name: c.name})
		if ds != c.ds || ver != c.ver || ok != (c.ds != "") {
			t.Errorf("%s %s: got %q %q %v, want %q %q", c.ns, c.name, ds, ver, ok, c.ds, c.ver)
		}
	}
	f := Names{StoreNamespace: "file", StorePrefix: "/srv/out/"}
	if ds, ver, ok := f.Version(Dataset{Namespace: "file", Name: "/srv/out/chat/v2"}); !ok || ds != "chat" || ver != "v2" {
		t.Errorf("file store: %q %q %v", ds, ver, ok)
	}
}

// FuzzParse: Parse never panics, and an accepted event parses again to the
// same digest from its canonical form.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, b := range readDir(f, dir) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if ev.Run.RunID == "" || ev.Job.Name == "" || len(ev.SHA256) != 64 {
			t.Fatalf("accepted event without run or job: %+v", ev)
		}
	})
}

func TestNamesFor(t *testing.T) {
	for uri, want := range map[string]Names{
		"s3://prov-out/certified/": {"s3://prov-out", "certified/"},
		"s3://prov-out/":           {"s3://prov-out", ""},
		"file:///srv/out/":         {"file", "/srv/out/"},
	} {
		if got := NamesFor(uri); got != want {
			t.Errorf("%s: %+v, want %+v", uri, got, want)
		}
	}
}

func TestReadJSONL(t *testing.T) {
	v := readDir(t, "valid")
	in := string(bytes.TrimSpace(v["train-start.json"])) + "\n\n{broken\n" + strings.ReplaceAll(string(v["train-complete.json"]), "\n", " ")
	var got []string
	err := ReadJSONL(strings.NewReader(in), func(line int, ev *RunEvent, err error) error {
		var le *LineError
		switch {
		case err == nil:
			got = append(got, fmt.Sprintf("%d %s", line, ev.EventType))
		case errors.As(err, &le) && le.Line == line && errors.Is(err, ErrInvalid):
			got = append(got, fmt.Sprintf("%d invalid", line))
		default:
			t.Errorf("line %d: %v", line, err)
		}
		return nil
	})
	if err != nil || strings.Join(got, ",") != "1 START,3 invalid,4 COMPLETE" {
		t.Errorf("got %v, %v", got, err)
	}
}
