package licence

import (
	"regexp/syntax"
	"testing"
)

// expandRegexp returns strings of the language of re: every alternative
// and optional part taken both ways, repetitions at most once more than
// their least, character classes by up to three members; at most limit
// strings (the rest are dropped, and ok is false).
func expandRegexp(re *syntax.Regexp, limit int) (out []string, ok bool) {
	cross := func(a, b []string) ([]string, bool) {
		var r []string
		for _, x := range a {
			for _, y := range b {
				if len(r) >= limit {
					return r, false
				}
				r = append(r, x+y)
			}
		}
		return r, true
	}
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var r []string
		for i := 0; i+1 < len(re.Rune) && len(r) < 3; i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1] && len(r) < 3; c++ {
				r = append(r, string(c))
			}
		}
		return r, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"x"}, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpCapture:
		return expandRegexp(re.Sub[0], limit)
	case syntax.OpConcat:
		r, ok := []string{""}, true
		for _, s := range re.Sub {
			e, ok1 := expandRegexp(s, limit)
			var ok2 bool
			r, ok2 = cross(r, e)
			ok = ok && ok1 && ok2
		}
		return r, ok
	case syntax.OpAlternate:
		var r []string
		ok := true
		for _, s := range re.Sub {
			e, ok1 := expandRegexp(s, limit)
			r, ok = append(r, e...), ok && ok1
		}
		if len(r) > limit {
			r, ok = r[:limit], false
		}
		return r, ok
	case syntax.OpQuest, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		lo, hi := 0, 1
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 2
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Min+1
			if re.Max >= 0 && hi > re.Max {
				hi = re.Max
			}
		}
		e, ok := expandRegexp(re.Sub[0], limit)
		var r []string
		rep := []string{""}
		for n := 0; n <= hi; n++ {
			if n >= lo {
				r = append(r, rep...)
			}
			var ok1 bool
			rep, ok1 = cross(rep, e)
			ok = ok && ok1
		}
		return r, ok
	}
	return nil, false
}

// TestUseNoticeLiterals: every match of a use notice's English pattern
// holds one of its enAny literals (useNotices runs the pattern only on a
// window that holds one), checked on the pattern's language expanded
// (every alternative and optional part, repetitions up to once more than
// their least) and placed inside prose.
func TestUseNoticeLiterals(t *testing.T) {
	for _, row := range useNoticeTable {
		if row.en == nil {
			continue
		}
		re, err := syntax.Parse(row.en.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		strs, complete := expandRegexp(re.Simplify(), 1<<20)
		if !complete {
			t.Errorf("%s: the expansion was cut at %d strings", row.id, len(strs))
		}
		matched := 0
		for _, s := range strs {
			text := "the data here is " + s + " and more"
			ms := row.en.FindAllString(text, -1)
			for _, m := range ms {
				if !containsAny(m, row.enAny) {
					t.Fatalf("%s: match %q of %q holds none of %q", row.id, m, s, row.enAny)
				}
			}
			if len(ms) > 0 {
				matched++
			}
		}
		if matched < len(strs)/2 {
			t.Errorf("%s: only %d of %d expanded strings match the pattern", row.id, matched, len(strs))
		}
		t.Logf("%s: %d strings, %d match", row.id, len(strs), matched)
	}
}

// The literal prefilter of the non-commercial row rules out windows that
// name "noncommercial" only as part of a licence name.
func TestNonCommercialLiterals(t *testing.T) {
	var row useNotice
	for _, r := range useNoticeTable {
		if r.id == RefNonCommercial {
			row = r
		}
	}
	clean := cleanWindow([]byte("Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)\nThe weather changed."))
	if containsAny(clean, row.enAny) {
		t.Errorf("%q passes the literals %q", clean, row.enAny)
	}
	for _, s := range []string{"Not for commercial use.", "For personal use only.", "This data must not be used for any commercial purpose.",
		"Commercial licensing requires written permission."} {
		clean := cleanWindow([]byte(s))
		if !row.en.MatchString(clean) || !containsAny(clean, row.enAny) {
			t.Errorf("%q: match %v, literals %v", clean, row.en.MatchString(clean), containsAny(clean, row.enAny))
		}
	}
}
