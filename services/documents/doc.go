// Package documents is Veche's documents service: issuers (residents with
// the role document-issuer) issue documents to one resident or, as notices,
// to every owner of a building; residents list, download and share their
// own; anyone checks a document file against the bulletin board. The board
// entries, the commitment, the recipient proofs and the document file are
// specified byte for byte in docs/spec/documents.md, with vectors in
// testdata/documents.json.
//
// # On the board
//
// One service topic, [TopicName] ("veche/documents/v1"), holds every entry:
// issuer registrations and document anchors (kind doc-anchor), revocations
// (doc-revoke) and recipient commitments (doc-distribution). An anchor
// carries a salted, hiding commitment to the content, title and media type
// ([Commit]), the series, version, type and validity, and the issuer's
// Schnorr signature ([Anchor]); nothing names a person, a unit or an
// address. [ReadRegistry] reads and checks the topic from the board alone,
// and [VerifyFile] says of a [File] whether it is authentic, which issuer
// signed it, whether it is current or superseded, and whether it is
// revoked.
//
// # Provable distribution
//
// A notice to a building's owners is followed by a doc-distribution entry:
// the number of recipients and the Merkle root of their sorted leaves
// ([RecipientLeaf]: a hash of the owner's identity pseudonym for that
// notice). Each owner gets a [MembershipProof] ([Service.Membership]) of
// being, or of not being, among the recipients ([VerifyMembership]).
//
// # In the database
//
// [Service] keeps the building register (buildings and occupancies,
// written only by issuers and administrators), the documents (content,
// title, salt), their recipients, share codes (only hashes) and the
// entries to post, in services/store (tables documents_*, migrations 0004 and 0008).
// A state change and the entry it posts are one transaction. Erasure
// ([Service.Erase]) deletes the content and salt; the anchor stays and can
// no longer be linked.
//
// # Posting
//
// [Service.Post] posts the pending entries in the order they were planned,
// in batches (one AppendBatch of up to 256 entries each), and never twice.
// Any number of servers may share the database (veche serve replicas,
// veche documents next to them): they post one at a time, under the
// database lease "documents-post" (store.Lease, in table leases), renewed
// before each batch. A state change posts its entry before it returns: it
// takes the lease, or waits until the server holding it has posted the
// entry (if the post fails, the entry waits for the next; [Service.Run]
// tries periodically). Before a batch's first attempt the topic's entry
// count is recorded with its entries; a batch whose post failed, or whose
// server died (its lease then expires: Config.PostLease, a minute by
// default), is posted again before anything new, and what of it is found
// on the board from that count is recorded rather than posted again
// (ethboard.AppendOnce, which first waits for the account's transactions
// in flight).
//
// HAZARD: a post that outlives three quarters of the lease is abandoned,
// and one that lands after the next server has searched the board (on a
// board that does not settle the account's transactions first) would be
// posted twice; readers then ignore the repeat.
//
// # Signing keys at rest
//
// The issuers' Schnorr signing keys are in the database only sealed
// (XChaCha20-Poly1305) with a [SealingKey] that is not in it: the key file
// ([OpenKeyFile]; DATA/documents.key for veche serve and veche documents,
// shared by every server on one database). The associated data binds each
// sealed key to its issuer's row, so one copied to another row does not
// open ([ErrKeyFile]). [New] refuses a key file other than the one the
// database's keys are sealed with, and seals the plain keys of a database
// from before migration 0008. A copy of the database alone signs nothing;
// whoever has both the database and the key file -- a server -- can sign
// as every issuer, which is inherent to issuing on the server.
//
// Errors are prefixed "documents:" and never carry content, titles, salts,
// share codes or identifiers.
package documents
