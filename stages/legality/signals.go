package legality

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prov-ai/prov/stages"
)

// MaxSnapshotFile caps the bytes read from one opt-out snapshot file.
const MaxSnapshotFile = 16 << 20

// pageSignals are the opt-out signals of one fetched page.
type pageSignals struct {
	Headers map[string]string `json:"headers"`
	Meta    map[string]string `json:"meta"`
}

// snapshot is what was captured of one host at one time.
type snapshot struct {
	name      string // the <date> path segment, cited in evidence
	at        time.Time
	robots    *Robots
	hasRobots bool // robots.txt body or status captured
	tdm       []TDMRule
	hasTDM    bool
	pages     map[string]pageSignals // by normalised path+query
}

// signalIndex holds every snapshot under one signals prefix, per host,
// oldest first.
type signalIndex struct {
	prefix string
	hosts  map[string][]*snapshot
}

// loadSignals reads every snapshot file under prefix through env.
func loadSignals(ctx context.Context, env stages.Env, prefix string) (*signalIndex, error) {
	ix := &signalIndex{prefix: prefix, hosts: map[string][]*snapshot{}}
	if env.List == nil || env.Open == nil {
		return ix, nil
	}
	keys, err := env.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("listing opt-out snapshots under %s: %w", prefix, err)
	}
	sort.Strings(keys)
	byKey := map[string]*snapshot{}
	for _, key := range keys {
		rel := strings.TrimPrefix(strings.TrimPrefix(key, prefix), "/")
		parts := strings.Split(rel, "/")
		if len(parts) != 3 {
			slog.Warn("ignoring opt-out snapshot file outside <host>/<date>/<file>", "key", key)
			continue
		}
		host, date, file := strings.ToLower(parts[0]), parts[1], parts[2]
		at, ok := parseSnapshotTime(date)
		if !ok {
			slog.Warn("ignoring opt-out snapshot with unparseable date", "key", key, "date", date)
			continue
		}
		snap := byKey[host+"/"+date]
		if snap == nil {
			snap = &snapshot{name: date, at: at, pages: map[string]pageSignals{}}
			byKey[host+"/"+date] = snap
			ix.hosts[host] = append(ix.hosts[host], snap)
		}
		body, err := readAll(ctx, env, key)
		if err != nil {
			return nil, err
		}
		if err := snap.add(file, body); err != nil {
			return nil, fmt.Errorf("reading opt-out snapshot %s: %w", key, err)
		}
	}
	for _, snaps := range ix.hosts {
		sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].at.Before(snaps[j].at) })
	}
	return ix, nil
}

func readAll(ctx context.Context, env stages.Env, key string) ([]byte, error) {
	rc, err := env.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("opening opt-out snapshot %s: %w", key, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, MaxSnapshotFile))
	if err != nil {
		return nil, fmt.Errorf("reading opt-out snapshot %s: %w", key, err)
	}
	return b, nil
}

func (s *snapshot) add(file string, body []byte) error {
	switch file {
	case "robots.txt":
		if s.robots == nil || !s.robots.allSet {
			s.robots = ParseRobots(body)
		}
		s.hasRobots = true
	case "robots.status":
		code, err := strconv.Atoi(strings.TrimSpace(string(body)))
		if err != nil {
			return fmt.Errorf("parsing robots.status: %w: %w", ErrBadSnapshot, err)
		}
		if r := RobotsForStatus(code); r != nil {
			s.robots = r
		}
		s.hasRobots = true
	case "tdmrep.json":
		rules, err := ParseTDMRep(body)
		if err != nil {
			return err
		}
		s.tdm, s.hasTDM = rules, true
	case "pages.jsonl":
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), MaxSnapshotFile)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var p struct {
				Path string `json:"path"`
				pageSignals
			}
			if err := json.Unmarshal(b, &p); err != nil || p.Path == "" {
				return &ParseError{File: "pages.jsonl", Line: line, Err: fmt.Errorf("%w: want {\"path\", \"headers\", \"meta\"}", ErrBadSnapshot)}
			}
			s.pages[normalisePath(p.Path, false)] = pageSignals{Headers: lowerKeys(p.Headers), Meta: lowerKeys(p.Meta)}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("scanning pages.jsonl: %w", err)
		}
	default:
		slog.Warn("ignoring unknown opt-out snapshot file", "file", file)
	}
	return nil
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		k = strings.ToLower(k)
		if old, ok := out[k]; ok {
			v = old + ", " + v
		}
		out[k] = v
	}
	return out
}

func parseSnapshotTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// robotsAt returns the latest snapshot of host at or before t holding
// robots.txt evidence, or nil.
func (ix *signalIndex) robotsAt(host string, t time.Time) *snapshot {
	return ix.latest(host, t, func(s *snapshot) bool { return s.hasRobots })
}

// tdmAt returns the latest snapshot of host at or before t holding a
// tdmrep.json, or nil.
func (ix *signalIndex) tdmAt(host string, t time.Time) *snapshot {
	return ix.latest(host, t, func(s *snapshot) bool { return s.hasTDM })
}

// pageAt returns the page signals of path from the latest snapshot of host
// at or before t that captured it.
func (ix *signalIndex) pageAt(host, path string, t time.Time) (pageSignals, *snapshot) {
	p := normalisePath(path, false)
	s := ix.latest(host, t, func(s *snapshot) bool { _, ok := s.pages[p]; return ok })
	if s == nil {
		return pageSignals{}, nil
	}
	return s.pages[p], s
}

func (ix *signalIndex) latest(host string, t time.Time, has func(*snapshot) bool) *snapshot {
	if ix == nil {
		return nil
	}
	snaps := ix.hosts[host]
	for i := len(snaps) - 1; i >= 0; i-- {
		if !snaps[i].at.After(t) && has(snaps[i]) {
			return snaps[i]
		}
	}
	return nil
}
