package identity_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/veche/veche/services/identity"
)

// Spellings of one identifier normalise to one form; look-alikes from
// other scripts do not.
func TestNormalizeIdentifierEquivalents(t *testing.T) {
	groups := []struct {
		want     string
		variants []string
	}{
		{"ivan.petrov@example.com", []string{
			"ivan.petrov@example.com",
			"Ivan.Petrov@Example.COM",
			"  IVAN.PETROV@EXAMPLE.COM\t\n",
			"\u00a0ivan.petrov@example.com\u3000", // no-break and ideographic spaces
			"ＩＶＡＮ．ＰＥＴＲＯＶ＠ｅｘａｍｐｌｅ．ｃｏｍ",             // full-width forms (NFKC)
		}},
		// Cyrillic upper and lower case.
		{"иван.петров@почта.рф", []string{
			"иван.петров@почта.рф",
			"ИВАН.ПЕТРОВ@ПОЧТА.РФ",
			"Иван.Петров@Почта.РФ",
		}},
		// ё composed (U+0451, U+0401) and decomposed (е/Е + U+0308), in both cases.
		{"алёна@почта.рф", []string{
			"алёна@почта.рф",
			"ал\u0435\u0308на@почта.рф",
			"АЛЁНА@ПОЧТА.РФ",
			"АЛ\u0415\u0308НА@ПОЧТА.РФ",
		}},
		// é composed (U+00E9) and decomposed (e + U+0301).
		{"josé@example.org", []string{
			"jos\u00e9@example.org",
			"jose\u0301@example.org",
			"JOS\u00c9@EXAMPLE.ORG",
			"JOSE\u0301@Example.Org",
		}},
		// Cherokee folds to its capital letters (CaseFolding.txt), whichever
		// case is given, and the normal form is stable (x/text's Fold swaps
		// the two cases; the fuzzer found U+13BA ↔ U+AB8A).
		{"\u13ba\u13a0\u13f0@example.org", []string{
			"\u13ba\u13a0\u13f0@example.org",
			"\uab8a\uab70\u13f8@example.org",
			"\u13ba\uab70\u13f0@EXAMPLE.org",
		}},
		// Full case folding: ß and ẞ fold to ss, final sigma to sigma.
		{"strasse-7@example.de", []string{"Straße-7@example.de", "STRASSE-7@EXAMPLE.DE", "STRAẞE-7@example.de"}},
		{"σίσυφοσ@example.gr", []string{"ΣΊΣΥΦΟΣ@example.gr", "σίσυφος@example.gr"}},
		// Compatibility characters: the ligature ﬁ, superscript digits.
		{"file-12@example.com", []string{"ﬁle-12@example.com", "FILE-1\u00b2@example.com"}},
		// A resident number.
		{"mos-0012345", []string{"MOS-0012345", " mos-0012345 ", "ＭＯＳ－００１２３４５"}},
	}
	for _, g := range groups {
		for _, v := range g.variants {
			got, err := identity.NormalizeIdentifier(v)
			if err != nil {
				t.Errorf("NormalizeIdentifier(%+q): %v", v, err)
				continue
			}
			if got != g.want {
				t.Errorf("NormalizeIdentifier(%+q) = %+q, want %+q", v, got, g.want)
			}
		}
	}

	// Look-alikes are different people: Cyrillic а (U+0430) is not Latin a.
	latin, _ := identity.NormalizeIdentifier("anna@example.com")
	cyrillic, _ := identity.NormalizeIdentifier("\u0430nna@example.com")
	if latin == cyrillic {
		t.Error("Latin and Cyrillic look-alikes normalised to the same identifier")
	}
}

func TestNormalizeIdentifierRejects(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"white space only", " \t\u00a0\u3000 "},
		{"inner space", "ivan petrov@example.com"},
		{"inner no-break space", "ivan\u00a0petrov@example.com"},
		{"tab", "ivan\tpetrov@example.com"},
		{"zero-width space", "ivan\u200bpetrov@example.com"},
		{"leading zero-width joiner", "\u200divan@example.com"},
		{"bidi override", "ivan\u202e@example.com"},
		{"NUL", "ivan\x00@example.com"},
		{"control", "ivan\x07@example.com"},
		{"private use", "ivan\ue000@example.com"},
		{"unassigned", "ivan\u0378@example.com"},
		{"invalid UTF-8", "ivan\xff@example.com"},
		{"lone surrogate encoding", "ivan\xed\xa0\x80@example.com"},
		{"too long", strings.Repeat("a", identity.MaxIdentifierSize+1)},
		{"too long once normalised", strings.Repeat("ﬃ", 100)}, // 3 bytes each, 3 letters each
		{"input too long", strings.Repeat(" ", identity.MaxIdentifierInput) + "a"},
	} {
		got, err := identity.NormalizeIdentifier(tc.in)
		if !errors.Is(err, identity.ErrInvalidIdentifier) {
			t.Errorf("%s: NormalizeIdentifier = %+q, %v; want ErrInvalidIdentifier", tc.name, got, err)
		}
	}
	if _, err := identity.NormalizeIdentifier(strings.Repeat("a", identity.MaxIdentifierSize)); err != nil {
		t.Errorf("an identifier of exactly %d bytes: %v", identity.MaxIdentifierSize, err)
	}
}

// The normal form depends on the Unicode version of three tables; they must
// agree (docs/spec/identity.md names the version).
func TestUnicodeVersions(t *testing.T) {
	const spec = "15.0.0"
	for pkg, v := range map[string]string{"unicode": unicode.Version, "norm": norm.Version, "cases": cases.UnicodeVersion} {
		if v != spec {
			t.Errorf("%s has Unicode %s; the spec says %s: check the normal forms, then update docs/spec/identity.md and the vectors", pkg, v, spec)
		}
	}
}

// Registration refuses every spelling of a registered identifier.
func TestRegisterRefusesVariants(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		ivan := e.register(t, "Ivan.Petrov@Example.com", "correct horse battery")
		alena := e.register(t, "Алёна@Почта.РФ", "correct horse battery")
		jose := e.register(t, "jos\u00e9@example.org", "correct horse battery")
		if ivan == alena || alena == jose {
			t.Fatal("two residents got the same id")
		}
		for _, dup := range []string{
			"ivan.petrov@example.com", " IVAN.PETROV@EXAMPLE.COM ", "ＩＶＡＮ．ＰＥＴＲＯＶ＠ｅｘａｍｐｌｅ．ｃｏｍ",
			"АЛЕ\u0308НА@ПОЧТА.РФ", "ал\u0435\u0308на@почта.рф",
			"JOSE\u0301@EXAMPLE.ORG",
		} {
			if _, err := e.svc.Register(ctx, dup, "another password"); !errors.Is(err, identity.ErrIdentifierTaken) {
				t.Errorf("registering %+q again: %v, want ErrIdentifierTaken", dup, err)
			}
		}
		// A look-alike from another script is another identifier.
		if _, err := e.svc.Register(ctx, "Ivan.P\u0435trov@Example.com", "correct horse battery"); err != nil {
			t.Errorf("registering a Cyrillic look-alike: %v", err)
		}
		// Lookup finds a resident by any spelling.
		for spelling, want := range map[string]identity.ResidentID{"IVAN.petrov@EXAMPLE.com": ivan, "АЛЕ\u0308НА@почта.рф": alena} {
			if got, err := e.svc.Lookup(ctx, spelling); err != nil || got != want {
				t.Errorf("Lookup(%+q) = %v, %v; want %v", spelling, got, err, want)
			}
		}
		if _, err := e.svc.Lookup(ctx, "nobody@example.com"); !errors.Is(err, identity.ErrNotFound) {
			t.Errorf("Lookup of an unknown identifier: %v, want ErrNotFound", err)
		}
		r, err := e.svc.Resident(ctx, alena)
		if err != nil {
			t.Fatal(err)
		}
		if r.Identifier != "алёна@почта.рф" || r.Roles != 0 || r.HasEncryptionKey || !r.Created.Equal(e.clock.Now()) {
			t.Errorf("Resident = %+v", r)
		}
	})
}

func TestRegisterPasswordPolicy(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		ctx := ctxFor(t)
		for name, pw := range map[string]string{
			"short":         "seven77",
			"short in NFKC": "ｓｅｖｅｎ７", // 6 characters whatever the form
			"too long":      strings.Repeat("x", identity.MaxPasswordSize+1),
			"invalid UTF-8": "password\xff\xfe",
			"control":       "pass\x00word1",
		} {
			if _, err := e.svc.Register(ctx, "policy@example.com", pw); !errors.Is(err, identity.ErrWeakPassword) {
				t.Errorf("%s password: %v, want ErrWeakPassword", name, err)
			}
		}
		if _, err := e.svc.Register(ctx, "policy@example.com", "eight ch"); err != nil {
			t.Errorf("an 8-character password: %v", err)
		}
		if _, err := e.svc.Register(ctx, "a b", "long enough password"); !errors.Is(err, identity.ErrInvalidIdentifier) {
			t.Errorf("an invalid identifier: %v, want ErrInvalidIdentifier", err)
		}
	})
}

// Concurrent registrations of spellings of one identifier: exactly one
// wins, on every engine.
func TestConcurrentRegistration(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, e *env) {
		spellings := []string{"race@example.com", "RACE@example.com", "Race@Example.com", "ＲＡＣＥ@example.com",
			" race@EXAMPLE.COM", "rAcE@example.com", "racE@example.COM", "RACE@EXAMPLE.COM"}
		var (
			wg   sync.WaitGroup
			errs = make([]error, len(spellings))
		)
		start := make(chan struct{})
		for i, s := range spellings {
			wg.Go(func() {
				<-start
				_, errs[i] = e.svc.Register(ctxFor(t), s, "concurrent password")
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, identity.ErrIdentifierTaken):
				t.Errorf("registration %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent registrations succeeded, want 1", won, len(spellings))
		}
	})
}
