// Package client is the voter's side of Veche in Go: what the Active
// Citizen app and `veche voter` do on the voter's device. It talks to the
// voter API (services/api, under /api/v1) for what only the server can do
// -- take ballots, say where they are, hold a resident's account and
// credential delivery -- and reads everything it must not take on trust
// from the bulletin board itself:
//
//   - the manifest ([voting.ReadManifest]), whose hash is the election
//     fingerprint bound into every proof; the API's copy must be the same
//     bytes, or the client refuses to go on ([ErrMismatch]);
//   - the election key ([voting.JointKey]), checked the same way: a ballot
//     encrypted to a key the API chose could be decrypted by whoever chose
//     it;
//   - the public credential list ([voting.ReadCredentials]): a delivered
//     credential is only accepted if it is on it.
//
// # A voter's session
//
//	c, _ := client.New("http://127.0.0.1:8080", board)   // board: a bulletin.Reader of the chain
//	c.Login(ctx, "ivan@example.org", password)
//	key, _ := c.NewEncryptionKey(ctx)                    // once: deliveries are sealed to it
//	cred, _ := c.FetchCredential(ctx, "city-2026", key)  // after the credential authority delivered
//	b, _ := c.Encrypt(ctx, "city-2026", cred, voting.Selections{"bike-lanes": {Options: []string{"yes"}}})
//	rc, _ := c.Cast(ctx, b)                             // or c.Audit(ctx, b), then a new ballot
//	inc, _ := c.CheckInclusion(ctx, "city-2026", rc.TrackingCode)
//
// Cast checks the receipt: that it names this election, this ballot and a
// cast, and, when the ballot box's receipt key is known ([ReceiptKey]),
// its signature. A network failure while casting is retried with the same
// bytes: the box answers a repeated ballot with its first receipt.
// [Client.CheckInclusion] reads the board entry the ballot box says holds
// the ballot, from the board, and checks the entry's kind and poster, the
// batch, the Merkle inclusion proof and, on a board that can say where an
// entry is ([bulletin.Locator]), the block and transaction the box reported.
//
// # Errors
//
// A refusal by the server is an [*Error] carrying the RFC 9457 problem's
// type, title, status and detail, and Retry-After; 429 answers are retried
// a bounded number of times ([Retries]). Disagreements between the API and
// the board wrap [ErrMismatch]; a receipt or status that does not hold up
// wraps [ErrBadReceipt] or [ErrNotIncluded].
//
// HAZARD: the client is only as independent as its board reader. Reading
// the board through the same server's /chain endpoint (the embedded
// default) checks the API against the server's own chain; point the reader
// at a node you trust (veche --rpc) for an independent check.
//
// Nothing this package returns as an error contains a credential, a
// password, a token, a ballot's selections or its randomness.
package client
