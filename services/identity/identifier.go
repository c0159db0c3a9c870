package identity

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Identifier bounds, in bytes of UTF-8.
const (
	// MaxIdentifierInput bounds an identifier as given, before
	// normalisation.
	MaxIdentifierInput = 1024
	// MaxIdentifierSize bounds a normalised identifier: the longest
	// e-mail address a mail system carries (RFC 5321, Section 4.5.3.1.3,
	// 256 octets of path less the angle brackets).
	MaxIdentifierSize = 254
)

// NormalizeIdentifier returns the normal form of a resident identifier (an
// e-mail address, a city resident number), under which two spellings of
// one identifier are equal: docs/spec/identity.md, section 2.
//
//  1. s must be valid UTF-8 of at most [MaxIdentifierInput] bytes;
//  2. n = NFKC(CaseFold(NFKC(s))), with Unicode full case folding
//     (CaseFolding.txt, statuses C and F; not the Turkic mappings) and
//     Normalization Form KC (UAX #15), both of Unicode 15.0.0;
//  3. leading and trailing White_Space is removed;
//  4. the result must be 1 to [MaxIdentifierSize] bytes, and every
//     character in it a letter, mark, number, punctuation or symbol
//     (general categories L, M, N, P, S): no white space, control,
//     format, surrogate, private-use or unassigned characters.
//
// So "  Иван@Почта.РФ", "иван@почта.рф", "ＩＶＡＮ@example.com" and
// "ivan@example.com", "José" with a precomposed é (U+00E9) or with e and
// U+0301, all normalise to one form each. Letters that only look alike
// (Cyrillic а, Latin a) stay distinct. Rejecting unassigned characters is
// what keeps the normal form stable across Unicode versions: Unicode
// promises that normalisation and case folding of assigned characters
// never change.
//
// Errors wrap [ErrInvalidIdentifier] and do not repeat the identifier.
func NormalizeIdentifier(s string) (string, error) {
	if len(s) > MaxIdentifierInput {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidIdentifier, MaxIdentifierInput)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalidIdentifier)
	}
	n := norm.NFKC.String(foldCherokee(cases.Fold().String(norm.NFKC.String(s))))
	n = strings.TrimFunc(n, unicode.IsSpace)
	switch {
	case n == "":
		return "", fmt.Errorf("%w: empty", ErrInvalidIdentifier)
	case len(n) > MaxIdentifierSize:
		return "", fmt.Errorf("%w: longer than %d bytes once normalised", ErrInvalidIdentifier, MaxIdentifierSize)
	}
	for i, r := range n {
		if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S) {
			return "", fmt.Errorf("%w: the character at byte %d of the normal form is white space, a control, format, private-use or unassigned character", ErrInvalidIdentifier, i)
		}
	}
	return n, nil
}

// foldCherokee maps the Cherokee small letters to the capital letters they
// fold to in CaseFolding.txt (U+AB70–U+ABBF to U+13A0–U+13EF, U+13F8–U+13FD
// to U+13F0–U+13F5: Cherokee folds to upper case, for stability).
// golang.org/x/text/cases.Fold swaps Cherokee's cases instead (U+13BA to
// U+AB8A and back), which made the normal form depend on how often it was
// applied; the fuzzer found it.
func foldCherokee(s string) string {
	if !strings.ContainsFunc(s, isCherokeeSmall) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xAB70 && r <= 0xABBF:
			return r - 0xAB70 + 0x13A0
		case r >= 0x13F8 && r <= 0x13FD:
			return r - 0x13F8 + 0x13F0
		}
		return r
	}, s)
}

func isCherokeeSmall(r rune) bool {
	return (r >= 0xAB70 && r <= 0xABBF) || (r >= 0x13F8 && r <= 0x13FD)
}
