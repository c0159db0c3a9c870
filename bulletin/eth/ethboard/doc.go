// Package ethboard is the bulletin board on an Ethereum chain: it implements
// [bulletin.Appender], [bulletin.Reader], [bulletin.Follower] and
// [bulletin.Admin] over the BulletinBoard contract
// (bulletin/eth/contracts/BulletinBoard.sol) through a JSON-RPC node
// (ethclient.Client) or an in-process chain.
//
// A [Board] posts as one account, whose key it holds. It signs every
// transaction locally with an explicit nonce from its own nonce manager
// (never the node's "pending nonce" per transaction, which races under
// load), waits for each transaction to be final (a configurable number of
// confirmations), re-sends a transaction whose block left the canonical
// chain, and retries calls with exponential backoff while the node is
// unreachable. The design, and the idempotency rule, are in
// docs/decisions/0005-ethboard.md.
//
// Idempotency. A transaction is signed once and only ever re-sent
// byte-identical: the chain executes at most one transaction per
// (account, nonce), so a re-send (after a network error, a dropped pool
// entry or a reorg) can never post an entry twice. When the outcome of a
// post cannot be known (the node stayed unreachable while sending, or the
// process died), [Board.AppendOnce] resumes it without duplicating: it
// waits until every transaction of the account that the node knows of is
// final, then takes the messages already on the topic from a given sequence
// number on as posted and posts only the rest.
//
// Locations. A Board is a [bulletin.Locator]: [Board.Locate] tells the block
// and the transaction of an entry's Posted event, from the receipts of the
// Board's own transactions or by searching the events
// (docs/spec/bulletin.md, "Where an entry is").
//
// Serving the embedded chain. [Embedded.ServeRPC] serves the in-process
// chain read-only over JSON-RPC for readers in other processes: only the
// methods a reader needs, within [RPCLimits] (docs/spec/bulletin.md, "The
// embedded chain served read-only").
package ethboard
