// Package bulletin will define the public bulletin board: the Appender,
// Reader and Follower interfaces, entry kinds (an enum whose zero is invalid
// and whose numbers never change), topics, and the hash chain that makes the
// board append-only and checkable. It knows nothing of elections: a payload
// is bytes with a kind. Implementations will live in subpackages: an
// in-memory board for tests, and an Ethereum contract reached through an
// embedded chain or a JSON-RPC node under bulletin/eth..., the only
// packages allowed to import go-ethereum. Nothing is implemented here yet.
package bulletin
