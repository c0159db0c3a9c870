package stalls_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/bulletin/memboard"
	"github.com/veche/veche/services/stalls"
)

var errStopped = errors.New("test: the node stopped")

// partway is a real board client whose AppendBatch posts only the first
// half of a batch and then fails, as a batch spread over several
// transactions does when the node stops between them.
type partway struct {
	*memboard.Client
}

func (p *partway) AppendBatch(ctx context.Context, topic bulletin.TopicID, msgs []bulletin.Message) ([]uint64, error) {
	if _, err := p.Client.AppendBatch(ctx, topic, msgs[:len(msgs)/2]); err != nil {
		return nil, err
	}
	return nil, errStopped
}

// A chunked artefact the service was stopped posting halfway (here the
// market entry of a season of 2,000 stalls; bid decryptions of large
// seasons take the same path) is finished when the same bytes are posted
// again: only the missing chunks go on the board, the half-posted entry is
// not read as a season meanwhile, and the season reads back whole.
func TestAChunkedPostStoppedHalfwayIsFinishedNotRepeated(t *testing.T) {
	e := newEnv(t, storetestSQLite(t))
	ctx := ctxFor(t)
	_, pub, err := stalls.Ceremony(e.rand, e.season, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CreateSeason(ctx, e.operator, stalls.Draft{ID: e.season, Opens: opens, Closes: closes, Cap: 3, Trustees: pub.Bytes()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMarket(ctx, e.operator, e.season, "Danilovsky market"); err != nil {
		t.Fatal(err)
	}
	ss := make([]stalls.Stall, 2000)
	for i := range ss {
		ss[i] = stalls.Stall{ID: fmt.Sprintf("D-%04d", i), Size: 600, Kind: "produce, dairy and honey from the farms of the Moscow region, sold by the growers themselves or by their families, with a certificate of origin", Reserve: 1000}
	}
	if err := e.svc.AddStalls(ctx, e.operator, e.season, ss); err != nil {
		t.Fatal(err)
	}

	poster := bulletin.Address{0x57} // the account of e.service
	stopped, err := stalls.New(e.db, &partway{e.board.As(poster)}, e.ident, &stalls.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stopped.Publish(ctx, e.operator, e.season); !errors.Is(err, errStopped) {
		t.Fatalf("publishing through a node that stops: %v", err)
	}
	topic := stalls.Topic(e.season)
	marketChunks := func() (headers, chunks int) {
		t.Helper()
		_, n, err := e.board.Head(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		es, err := e.board.Entries(ctx, topic, 0, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range es {
			if k, err := bulletin.EffectiveKind(en.Kind, en.Payload); err == nil && k == bulletin.KindMarket && en.Poster == poster {
				switch en.Kind {
				case bulletin.KindChunkHeader:
					headers++
				case bulletin.KindChunk:
					chunks++
				}
			}
		}
		return headers, chunks
	}
	h, c := marketChunks()
	if h != 1 || c == 0 {
		t.Fatalf("after the stop: %d headers, %d chunks of the market entry", h, c)
	}
	if _, err := stalls.ReadRecord(ctx, e.board, e.season, nil); !errors.Is(err, stalls.ErrNotFound) {
		t.Fatalf("the half-posted season reads as %v", err)
	}

	seq, err := e.service(t).Publish(ctx, e.operator, e.season)
	if err != nil {
		t.Fatal(err)
	}
	h, c2 := marketChunks()
	rec, err := stalls.ReadRecord(ctx, e.board, e.season, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := (len(mustBytes(t, rec.Season)) + bulletin.MaxChunkData - 1) / bulletin.MaxChunkData
	if h != 1 || c2 != want || c2 <= c || rec.SeasonSeq != seq || len(rec.Season.Stalls) != len(ss) {
		t.Fatalf("after the restart: %d headers, %d chunks (%d before the stop, %d in all expected), season at %d of %d stalls, published at %d",
			h, c2, c, want, rec.SeasonSeq, len(rec.Season.Stalls), seq)
	}
	_, n, _ := e.board.Head(ctx, topic)
	if again, err := e.svc.Publish(ctx, e.operator, e.season); err != nil || again != seq {
		t.Fatalf("publishing again: %d, %v", again, err)
	}
	if _, n2, _ := e.board.Head(ctx, topic); n2 != n {
		t.Fatalf("publishing again posted %d entries", n2-n)
	}
}

func mustBytes(t *testing.T, s *stalls.Season) []byte {
	t.Helper()
	b, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
