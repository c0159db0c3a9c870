package verify

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/veche/veche/bulletin"
)

// slowEntry is decodeEntry without the fast path: the strict JSON decoder.
func slowEntry(topic bulletin.TopicID, text []byte) (bulletin.Entry, error) {
	var re recordEntry
	if err := strictJSON(text, &re); err != nil {
		return bulletin.Entry{}, err
	}
	return checkEntry(topic, re, func() ([]byte, error) { return hex.DecodeString(re.Payload) })
}

func sameOutcome(t *testing.T, what string, line []byte) (fast bool) {
	t.Helper()
	var topic bulletin.TopicID
	_, _, fast = scanEntry(line)
	a, errA := decodeEntry(topic, line)
	b, errB := slowEntry(topic, line)
	if fmt.Sprint(errA) != fmt.Sprint(errB) || a.Seq != b.Seq || a.Kind != b.Kind || a.Poster != b.Poster || a.Head != b.Head || !bytes.Equal(a.Payload, b.Payload) {
		t.Errorf("%s: %q\n  fast path: %v %v\n  JSON:      %v %v", what, clip(line), a, errA, b, errB)
	}
	return fast
}

func clip(b []byte) string {
	if len(b) > 160 {
		return string(b[:160]) + "…"
	}
	return string(b)
}

// The record reader's fast path takes exactly the lines WriteRecord writes
// and reads them as the strict JSON decoder does; any other line, valid
// JSON or not, goes to the JSON decoder and means, or fails, as JSON says.
func TestRecordLinesReadAsJSONSays(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/verification/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, maxRecordLine)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i, l := range lines[1:] {
		if !sameOutcome(t, fmt.Sprint("line ", i+2), []byte(l)) {
			t.Errorf("line %d, as WriteRecord writes it, missed the fast path", i+2)
		}
	}
	l := lines[3]
	for _, c := range []struct {
		name, line string
		fast       bool
	}{
		{"as written", l, true},
		{"without kind_name", strings.Replace(l, `"kind_name":"`+kindName(l)+`",`, "", 1), true},
		{"a wrong kind_name", strings.Replace(l, `"kind_name":"`, `"kind_name":"x`, 1), true},
		{"a space after a colon", strings.Replace(l, `"seq":`, `"seq": `, 1), false},
		{"a leading zero", strings.Replace(l, `"seq":`, `"seq":0`, 1), false},
		{"a negative seq", strings.Replace(l, `"seq":`, `"seq":-`, 1), false},
		{"an exponent", strings.Replace(l, `,"kind":`, `e0,"kind":`, 1), false},
		{"a kind over 65535", strings.Replace(l, `"kind":`, `"kind":99999`, 1), false},
		{"a seq of 20 digits", strings.Replace(l, `"seq":`, `"seq":1844674407370955161`, 1), false},
		{"an escaped digit in the payload", strings.Replace(l, `"payload":"`, `"payload":"\u0030`, 1), false},
		{"an escaped quote in kind_name", strings.Replace(l, `"kind_name":"`, `"kind_name":"\"`, 1), false},
		{"a control character", strings.Replace(l, `"kind_name":"`, "\"kind_name\":\"\x01", 1), false},
		{"non-ASCII", strings.Replace(l, `"kind_name":"`, `"kind_name":"é`, 1), false},
		{"fields in another order", `{"kind":` + field(l, "kind") + `,"seq":` + field(l, "seq") + l[strings.Index(l, `,"kind_name"`):], false},
		{"a duplicate field", strings.Replace(l, `,"head":`, `,"seq":1,"head":`, 1), false},
		{"an unknown field", strings.Replace(l, `,"head":`, `,"extra":1,"head":`, 1), false},
		{"trailing white space", l + " ", false},
		{"two objects", l + "{}", false},
		{"an odd payload", strings.Replace(l, `"payload":"`, `"payload":"0`, 1), true},
		{"a non-hex payload", strings.Replace(l, `"payload":"`, `"payload":"zz`, 1), true},
		{"a short head", strings.Replace(l, `"head":"`, `"head":"00`, 1), true},
		{"upper-case hex", strings.ToUpper(l[:0]) + strings.Replace(l, `"poster":"0x`, `"poster":"0X`, 1), true},
		{"truncated", l[:len(l)-2], false},
		{"empty", "", false},
	} {
		if got := sameOutcome(t, c.name, []byte(c.line)); got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.name, got, c.fast)
		}
	}
}

func kindName(l string) string {
	i := strings.Index(l, `"kind_name":"`) + len(`"kind_name":"`)
	return l[i : i+strings.IndexByte(l[i:], '"')]
}

func field(l, name string) string {
	i := strings.Index(l, `"`+name+`":`) + len(name) + 3
	j := i
	for j < len(l) && l[j] >= '0' && l[j] <= '9' {
		j++
	}
	return l[i:j]
}
