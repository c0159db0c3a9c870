package stalls

// Test hooks: the vectors record these values (docs/spec/stalls.md).
var (
	BidBinding = bidBinding
	TieKey     = tieKey
)
