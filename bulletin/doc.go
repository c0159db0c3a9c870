// Package bulletin defines Veche's public bulletin board: typed, append-only,
// hash-chained logs, one per topic (an election, a poll, a document registry,
// a stall market), that anyone can read and verify offline, and that only
// authorised posters can append to.
//
// It knows nothing of elections: a payload is bytes with a [Kind]. The
// byte-exact specification, for independent verifiers, is
// docs/spec/bulletin.md, with test vectors in testdata/bulletin.json.
//
// # Entries and the hash chain
//
// An [Entry] is (topic, sequence number, kind, payload, head). Sequence
// numbers start at 0 and have no gaps. The head is a running Keccak-256 over
// the log ([NextHead]):
//
//	head(-1)  = 32 zero bytes
//	head(seq) = keccak256(head(seq-1) || topic || u64be(seq) || u16be(kind) || keccak256(payload))
//
// The board stores only the latest head and the count; [VerifyChain] (or a
// [Chain], entry by entry) checks a log read from anywhere against them and
// detects missing, repeated, reordered and altered entries.
//
// # Interfaces
//
// Code that posts uses an [Appender], code that reads a [Reader] or a
// [Follower], and the topic's owner an [Admin]. Implementations:
// bulletin/memboard (in memory, for tests of the packages above) and the
// Ethereum contract under bulletin/eth (the only packages that import
// go-ethereum). Every implementation passes the conformance suite in
// bulletin/bulletintest. Errors wrap the sentinels [ErrUnauthorized],
// [ErrUnknownTopic], [ErrWrongPhase], [ErrTooLarge], [ErrGap] and others.
//
// # Rules
//
// Each topic has an owner, who authorises posters per kind ([KindSet]), and
// a [Phase]. Election topics move forward through setup, key-ceremony,
// open, closed, tallying and published by [KindPhase] entries, and the phase
// table ([Allowed]) says which kinds each phase accepts; service topics stay
// in [PhaseService]. [Admit] is the whole admission rule, the same as the
// contract's, so a verifier can replay it.
//
// # Large artefacts
//
// A payload is at most [MaxPayload] bytes. A larger artefact (a shuffle) is
// posted as a [KindChunkHeader] entry announcing its kind, size and
// Keccak-256, followed by [KindChunk] entries ([Chunk]); [Reassemble] and
// [Assembler] put it back together and reject missing, duplicated,
// reordered, mis-sized and altered chunks. Authorisation and phase rules
// apply to the kind a chunk carries ([EffectiveKind]).
package bulletin
