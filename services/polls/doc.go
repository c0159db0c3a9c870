// Package polls is the Active Citizen service: city polls, comments and
// ratings (docs/spec/polls.md).
//
// # Polls
//
// A poll is a Veche election with a light configuration: [NewManifest]
// turns a question and its options into a manifest with one contest
// (one-of or approval, counted homomorphically), one district and one
// ballot style, and takes every party -- commission, ballot box,
// credential authority, trustees, mixers -- from the service's
// [Defaults]. [Service.CreatePoll] publishes it on the board, and from then
// on the poll is an election like any other: the same key ceremony,
// credentials, ballot box, tally and `veche verify`.
//
// # Comments and ratings
//
// Residents comment on polls and city projects and rate city activities
// (1 to 5). A resident is stored only under per-service pseudonyms
// (identity.Service.Pseudonym with service "polls"): one that lists a
// resident's own items, and one per rated subject that allows one rating
// per resident and subject. Moderators hide comments with a stated reason;
// a hidden comment stays listed as hidden, with the reason and without its
// text.
//
// # Aggregates on the board
//
// [Service.Anchor] posts the items not yet anchored as one batch, an
// aggregate entry (bulletin.KindAggregate) on the service topic [Topic]:
// per subject the number of items and the sum of the ratings, and the
// Merkle root (RFC 9162, as voting.MerkleRoot) over one salted leaf per
// item ([Leaf]). Nothing in it names a person; a leaf cannot be opened by
// guessing a rating or a text without its 32-byte salt. Anyone reads the
// batches back with [ReadAggregates] and recomputes every published count
// and average ([Totals]); a resident checks that their own comment or
// rating is in a batch, under the right subject, with their [Receipt]
// ([CheckReceipt]).
//
// # Moderation on the record
//
// A batch also records the comments hidden since the previous one
// ([Hide]: the comment's leaf, when, and the hash of the stated reason,
// [ReasonHash]; never the text or who wrote it). [Totals] counts each
// subject's hidden comments; the author of a comment shows from their
// receipt whether it was hidden, when and for which reason
// ([CheckHidden]); a record that hides a comment twice, changes a reason
// or hides what is not an anchored comment is refused by
// [ReadAggregates]. An auditor with the database checks every batch,
// items and hides ([Service.CheckBatch]).
//
// # Several servers
//
// Servers sharing the database anchor one at a time under a lease in the
// database (store.Lease "polls-anchor", timed by the database's clock),
// claim a batch's items and hides in one transaction before posting it,
// and post a batch left planned by a failed call or a dead server (once)
// before anything new (docs/spec/polls.md, section 6).
//
// HAZARD: the lease is time-based (Config.AnchorLease, a minute by
// default). If a post outlives the lease on a board that does not settle
// the account's transactions before searching (ethboard.AppendOnce does),
// a batch may be posted twice; readers then count it once, as a repeat.
package polls
