// Package deploy holds the Kubernetes manifests and the Dockerfile; its
// tests parse them and check what a cluster would reject or what would
// silently break a run (shard arguments, secrets, exit-code policy).
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/prov-ai/prov/schemas"
)

type doc = map[string]any

func loadDocs(t *testing.T) map[string]doc {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string]doc{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var d doc
			if err := dec.Decode(&d); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, k := range []string{"apiVersion", "kind", "metadata"} {
				if d[k] == nil {
					t.Fatalf("%s: document without %s", f, k)
				}
			}
			name := get(d, "metadata", "name").(string)
			out[d["kind"].(string)+"/"+name] = d
		}
	}
	return out
}

// get walks nested maps and lists ("containers", 0, ...).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func podSpecOf(d doc) any {
	if d["kind"] == "CronJob" {
		return get(d, "spec", "jobTemplate", "spec", "template", "spec")
	}
	return get(d, "spec", "template", "spec")
}

func TestManifests(t *testing.T) {
	docs := loadDocs(t)
	for _, want := range []string{"ConfigMap/prov-config", "Secret/prov-s3", "Secret/prov-keys",
		"CronJob/prov-nightly", "Job/prov-shards-chat-zh-en", "Job/prov-seal-chat-zh-en", "PersistentVolumeClaim/prov-ledger"} {
		if docs[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	secrets := map[string]doc{}
	for k, d := range docs {
		if d["kind"] == "Secret" {
			secrets[get(d, "metadata", "name").(string)] = d
		}
		_ = k
	}
	for name, d := range docs {
		if d["kind"] != "CronJob" && d["kind"] != "Job" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			ps := podSpecOf(d)
			if get(ps, "restartPolicy") != "Never" {
				t.Errorf("restartPolicy = %v, want Never (Job retries are counted by backoffLimit)", get(ps, "restartPolicy"))
			}
			if get(ps, "securityContext", "runAsNonRoot") != true {
				t.Errorf("pod does not run as non-root")
			}
			c := get(ps, "containers", 0)
			args := get(c, "args").([]any)
			if len(args) == 0 {
				t.Fatal("no args")
			}
			var cfgEnv bool
			for _, e := range get(c, "env").([]any) {
				if get(e, "name") == "PROV_CONFIG" {
					cfgEnv = true
				}
				if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil {
					sec := secrets[get(ref, "name").(string)]
					if sec == nil || get(sec, "stringData", get(ref, "key").(string)) == nil {
						t.Errorf("env %v refers to a missing secret key %v", get(e, "name"), ref)
					}
				}
			}
			if !cfgEnv {
				t.Errorf("PROV_CONFIG not set")
			}
			for _, v := range get(ps, "volumes").([]any) {
				if s := get(v, "secret", "secretName"); s != nil && secrets[s.(string)] == nil {
					t.Errorf("volume %v uses missing secret %v", get(v, "name"), s)
				}
			}
			// Exit 3 (gate failed) and 2 (bad config) cannot change on a
			// retry: a replacement pod would only redo the run.
			var codes []int
			for _, r := range get(podOwner(d), "podFailurePolicy", "rules").([]any) {
				if get(r, "action") == "Ignore" {
					t.Errorf("podFailurePolicy Ignore makes Kubernetes start replacement pods forever")
				}
				if get(r, "action") == "FailJob" {
					for _, c := range get(r, "onExitCodes", "values").([]any) {
						codes = append(codes, c.(int))
					}
				}
			}
			if !containsInt(codes, 2) {
				t.Errorf("exit code 2 (bad configuration) does not fail the Job at once: FailJob codes %v", codes)
			}
			if name == "Job/prov-shards-chat-zh-en" {
				spec := d["spec"].(map[string]any)
				if spec["completionMode"] != "Indexed" {
					t.Errorf("completionMode = %v, want Indexed", spec["completionMode"])
				}
				n := spec["completions"].(int)
				if spec["parallelism"].(int) != n {
					t.Errorf("parallelism %v != completions %d", spec["parallelism"], n)
				}
				var shard string
				for i, a := range args {
					if a == "--shard" {
						shard = args[i+1].(string)
					}
				}
				if want := "$(JOB_COMPLETION_INDEX)/" + itoa(n); shard != want {
					t.Errorf("--shard %q, want %q", shard, want)
				}
			}
		})
	}
}

// podOwner is the Job spec that carries the podFailurePolicy.
func podOwner(d doc) any {
	if d["kind"] == "CronJob" {
		return get(d, "spec", "jobTemplate", "spec")
	}
	return d["spec"]
}

func containsInt(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// The ConfigMap's prov.yaml must load as a valid prov configuration.
func TestConfigMapConfigLoads(t *testing.T) {
	cm := loadDocs(t)["ConfigMap/prov-config"]
	dir := t.TempDir()
	for _, name := range []string{"prov.yaml", "policy.yaml", "sources.yaml"} {
		data, _ := get(cm, "data", name).(string)
		if data == "" {
			t.Fatalf("ConfigMap lacks %s", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := schemas.LoadConfig(filepath.Join(dir, "prov.yaml"))
	if err != nil {
		t.Fatalf("prov.yaml in the ConfigMap: %v", err)
	}
	if cfg.Ledger.SubjectKey == "" {
		t.Errorf("ledger.subject_key unset: each shard pod would hash data subjects with its own secret")
	}
	if cfg.SharedWork == "" || !strings.HasPrefix(cfg.SharedWork, "s3://") {
		t.Errorf("shared_work = %q: shard pods share no disk, segments must go through the object store", cfg.SharedWork)
	}
	if _, err := schemas.LoadPolicy(filepath.Join(dir, "policy.yaml")); err != nil {
		t.Errorf("policy.yaml in the ConfigMap: %v", err)
	}
	if _, err := schemas.LoadSources(filepath.Join(dir, "sources.yaml")); err != nil {
		t.Errorf("sources.yaml in the ConfigMap: %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"AS build", "CGO_ENABLED=0", "USER 65532", "ENTRYPOINT"} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
