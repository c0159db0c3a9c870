package stallsbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/veche/veche/services/stalls/stallsbench"
)

func TestTheBenchmarkBuildsAndVerifiesASmallSeason(t *testing.T) {
	var out bytes.Buffer
	o := stallsbench.Options{Stalls: 60, Bids: 400, PerBidder: 4, Cap: 2, Seed: "test"}
	if err := stallsbench.Run(context.Background(), &out, o); err != nil {
		t.Fatal(err)
	}
	var ops []string
	dec := json.NewDecoder(&out)
	var last stallsbench.Line
	for dec.More() {
		if err := dec.Decode(&last); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, last.Operation)
	}
	want := "[stalls.build stalls.read stalls.decrypt stalls.allocate stalls.check stalls.verify]"
	if got := stringify(ops); got != want {
		t.Fatalf("operations %s, want %s", got, want)
	}
	if last.Status != "VERIFIED" || last.Bids != 400 || last.Awards == 0 || last.Awards > 60 {
		t.Fatalf("last line %+v", last)
	}
}

func stringify(s []string) string {
	b, _ := json.Marshal(s)
	r := bytes.ReplaceAll(bytes.Trim(b, "[]"), []byte(`","`), []byte(" "))
	return "[" + string(bytes.Trim(r, `"`)) + "]"
}
