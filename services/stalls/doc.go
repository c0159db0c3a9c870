// Package stalls allocates farmers' market stalls by sealed bids, as
// verifiably as Veche's elections and without personal data on the board
// (docs/spec/stalls.md, test vectors in testdata/stalls.json).
//
// A market operator defines a season: its markets, its stalls (size, kind,
// reserve price), a bidding window and a cap on the stalls one person may
// win. The season's trustees run a key ceremony ([Ceremony], the DKG of
// crypto/dkg) and the operator publishes the season with their joint key
// on the season's service topic ([Season], kind market). Sellers, signed in
// through the identity layer, bid under a per-season pseudonym
// (identity.Service.Pseudonym): a bid is the amount encrypted under the
// joint key, with a proof of knowledge of its randomness bound to the
// season, the stall and the bidder's pseudonym ([EncryptBid]), so a bid
// copied to another bidder or stall has no valid proof ([VerifyBid]).
// Nobody needs to come back to reveal: after the window the trustees post
// partial decryptions with proofs ([PartialDecrypt], kind bid-decryption),
// and the allocation ([Allocate], kind allocation) is a deterministic
// function of the board that anyone re-runs ([VerifyBoard],
// [CheckAllocation]) to the same bytes.
//
// The allocation rule: bids below their stall's reserve or not decoding to
// an amount are void; the rest are taken in order of decreasing amount,
// ties broken by a key derived from a seed that is the hash of all sealed
// bids counted (fixed when the window closes, before anyone can decrypt,
// and controlled by no single party); a bid wins if its stall is still free
// and its bidder has won fewer stalls than the cap.
//
// [Service] keeps seasons and bids in the store (SQLite or PostgreSQL) and
// posts to the board; services/api serves it under /api/v1/stalls.
package stalls
