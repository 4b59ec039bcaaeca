package pipeline

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestScrubCacheMatchesPiMask checks that the findings' scrub cache returns
// exactly what piMask returns, for repeated and unique strings, strings
// holding identifiers and strings holding the record's subject id, across
// the entries being replaced.
func TestScrubCacheMatchesPiMask(t *testing.T) {
	key := subjectKeyFunc(nil)
	pool := []string{
		"",
		"licence expression parsed",
		"contact zhang.wei@example.com for the licence",
		"call 13912345678 about item u13912345678",
		"record u1234 by subject u1234",
		"ab",
		"item: 110101199003071234",
		"source web-news-2024 is not in the registry",
		"消费者可拨打13912345678咨询",
	}
	subjects := []string{"", "u1234", "ab", "13912345678", "zhang.wei@example.com"}
	c := newScrubCache(key)
	rng := rand.New(rand.NewPCG(1, 2))
	masked := 0
	for i := 0; i < 20000; i++ {
		s := pool[rng.IntN(len(pool))]
		if rng.IntN(3) == 0 {
			// unique strings, some with identifiers
			s = fmt.Sprintf("matched keyword %d near 1391234%04d", i, i%10000)
		}
		subject := subjects[rng.IntN(len(subjects))]
		want, _, changed := piMask(s, subject, key)
		if changed {
			masked++
		}
		if got := c.mask(s, subject, ""); got != want {
			t.Fatalf("mask(%q, %q) = %q, piMask gives %q", s, subject, got, want)
		}
	}
	if masked < 5000 {
		t.Fatalf("only %d of the strings were masked: the test does not test masking", masked)
	}
}

// TestScrubCacheTextViews checks that a string masked as a view of a
// record's text is remembered by its content, not by the text's memory,
// which the next record overwrites.
func TestScrubCacheTextViews(t *testing.T) {
	key := subjectKeyFunc(nil)
	c := newScrubCache(key)
	buf := []byte("phone 13912345678 here")
	text := unsafe.String(&buf[0], len(buf))
	first := c.mask(text[:17], "", text)
	copy(buf, "plain words, no ids!!!")
	want, _, _ := piMask(text[:17], "", key)
	if got := c.mask(text[:17], "", text); got != want || got == first {
		t.Fatalf("after the text changed: %q, want %q (before: %q)", got, want, first)
	}
}
