// Tests of what the report rests on: RVs kept by role, continue tokens decoded, uids by identity,
// member order compared, and known divergences matched only where they apply.
package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) any {
	t.Helper()
	v, err := parseOrdered([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func newState(labels ...rvLabel) *runState {
	return &runState{labels: labels, uids: map[string]string{}}
}

func TestRVsAreKeptByRole(t *testing.T) {
	st := newState(rvLabel{10, "c0"}, rvLabel{14, "c1"})
	for rv, want := range map[string]string{"10": "=c0", "12": ">c0", "14": "=c1", "99": ">c1", "3": "<c0", "0": "0", "": ""} {
		if got := st.normRV(rv); got != want {
			t.Errorf("normRV(%q) = %q, want %q", rv, got, want)
		}
	}
	// The same roles on another server with other numbers normalise alike.
	other := newState(rvLabel{1000, "c0"}, rvLabel{1004, "c1"})
	if other.normRV("1002") != st.normRV("12") {
		t.Errorf("roles differ across servers: %q vs %q", other.normRV("1002"), st.normRV("12"))
	}
}

func TestContinueTokensAreDecodedWithTheirRVByRole(t *testing.T) {
	st := newState(rvLabel{7, "p"})
	tok := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":7,"start":"/cm-1\u0000"}`))
	got := show(st.normalize(mustParse(t, `{"metadata":{"continue":"`+tok+`"}}`), ""))
	for _, want := range []string{`"rv":"=p"`, `"start":"/cm-1\u0000"`} {
		if !strings.Contains(got, want) {
			t.Errorf("normalised token %s lacks %s", got, want)
		}
	}
	minus := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":-1,"start":"x\u0000"}`))
	if got := show(st.normalize(minus, "continue")); !strings.Contains(got, `"rv":-1`) {
		t.Errorf("the inconsistent token's rv must stay -1: %s", got)
	}
}

func TestUidsKeepIdentityAndTimesAreMasked(t *testing.T) {
	st := newState()
	a := show(st.normalize(mustParse(t, `[{"uid":"u-a","creationTimestamp":"2026-01-01T00:00:00Z"},{"uid":"u-b"},{"uid":"u-a"}]`), ""))
	want := `[{"uid":"uid#1","creationTimestamp":"<time>"},{"uid":"uid#2"},{"uid":"uid#1"}]`
	if a != want {
		t.Errorf("got %s, want %s", a, want)
	}
}

func TestCompareFindsMissingMembersValuesAndOrder(t *testing.T) {
	var d []divergence
	compare("", mustParse(t, `{"kind":"Namespace","metadata":{"name":"a"},"status":{},"spec":{}}`),
		mustParse(t, `{"kind":"Namespace","metadata":{"name":"a","labels":{"x":"y"}},"spec":{},"status":{"phase":"Active"}}`), &d)
	var paths []string
	for _, x := range d {
		paths = append(paths, x.Path)
	}
	got := strings.Join(paths, ";")
	for _, want := range []string{"metadata.labels", "status.phase", " (member order)"} {
		if !strings.Contains(got, want) {
			t.Errorf("divergences %q lack %q", got, want)
		}
	}
	d = nil
	compare("", mustParse(t, `{"a":[1,2]}`), mustParse(t, `{"a":[1,2]}`), &d)
	if len(d) != 0 {
		t.Errorf("equal documents diverge: %+v", d)
	}
}

func TestKnownDivergencesMatchOnlyWhereTheyApply(t *testing.T) {
	ks := []known{{Check: "^compaction$", Step: "^p2$", Server: "^real-1\\.37$", Path: ".*", Reason: "1.37"}}
	for i := range ks {
		for j, p := range []string{ks[i].Check, ks[i].Path, ks[i].Value, ks[i].Step, ks[i].Server} {
			ks[i].re[j] = mustRegexp(t, p)
		}
	}
	d := divergence{Check: "compaction", Step: "p2", Path: "code", A: "410", B: "(absent)"}
	if explain(ks, d, "real-1.37") != "1.37" {
		t.Error("the entry does not explain its own divergence")
	}
	if explain(ks, d, "real-1.33") != "" {
		t.Error("an entry for 1.37 explains a 1.33 divergence")
	}
	d.Step = "p3"
	if explain(ks, d, "real-1.37") != "" {
		t.Error("an entry for step p2 explains step p3")
	}
}

func mustRegexp(t *testing.T, p string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

// Checks run in the order of their file names ("watch-list.json" before "watch.json").
func TestOnlyPicksChecksByNameAndABadRegexpIsAnError(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"watch", "watch-list", "table"} {
		if err := os.WriteFile(filepath.Join(dir, n+".json"), []byte(`{"name":"`+n+`","steps":[]}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for only, want := range map[string]string{"": "table,watch-list,watch", "^watch": "watch-list,watch", "list$": "watch-list"} {
		cs, err := loadChecks(dir, only)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != want {
			t.Errorf("--only %q: %s, want %s", only, got, want)
		}
	}
	if _, err := loadChecks(dir, "("); err == nil {
		t.Error("--only '(' accepted")
	}
}
