package bulletin

import "context"

// A TopicInfo is what a board stores about one topic: its owner, its phase
// and its hash-chain head and entry count.
type TopicInfo struct {
	ID    TopicID
	Owner Address
	Phase Phase
	Head  [32]byte // the head after the last entry; zero for a topic with no entry
	Count uint64   // the number of entries
}

// A TopicLister lists the topics of a board, so that a reader who does not
// know the topics' names (an explorer) can find them. It is optional: the
// [Reader] interface reads a topic it is told about, and a board that
// cannot list (an exported record) does not implement it.
type TopicLister interface {
	// Topics returns every topic of the board with what the board stores
	// about it (at the newest final state, for a board on a chain): in the
	// order the topics were created where the board knows it (a chain),
	// else in increasing order of id. The work is proportional to the
	// board's history (on a chain: its blocks since the contract was
	// deployed), so callers should not call it for every request.
	Topics(ctx context.Context) ([]TopicInfo, error)
}
