// Package explorer is Veche's public bulletin explorer (docs/explorer.md):
// server-rendered web pages from which observers see and check everything
// on the board without installing anything -- the topics, each election's
// manifest, phases, key ceremony, credentials, ballots over time, the
// reconciliation, the results (SVG charts, instant-runoff rounds), the
// board's entries with their hash chain, a tracking-code lookup with the
// ballot's inclusion proof, the shuffle and decryption evidence, and the
// verification status of every step of docs/spec/verification.md.
//
// It reads only the board: a [bulletin.Reader], and where the board has
// them a [bulletin.Follower] (new entries as they become final), a
// [bulletin.Locator] (blocks and transactions) and a
// [bulletin.TopicLister] (the topics). It never reads a ballot box's
// database.
//
// # Verification kept live
//
// Each election has one tally/verify.Verifier, run again as entries arrive
// (woken by the board's Follow, or by polling its head), so that only what
// may have changed is checked again. After each run the explorer indexes
// the new entries (tracking codes, ballots per bucket of entries, phases,
// tally artefacts) and publishes an immutable snapshot; pages render from
// the latest snapshot and never weed, verify or read the whole topic on a
// request. Server-sent events (text/event-stream) push the steps whose
// outcome changed; the pages work without them.
//
// # Pages
//
// Every page is html/template, embedded, in English or Russian (?lang=,
// else Accept-Language), with a strict Content-Security-Policy: no inline
// script or style, one same-origin stylesheet and one small same-origin
// script that only enhances the page (live step updates). Unknown
// elections, topics, entries and tracking codes get a 404 page; malformed
// query strings a 400 page; board data never causes a 500.
//
// HAZARD: the explorer shows what its board says. Like the verifier it
// trusts the board (the node) for the posters of entries and the stored
// head and count; an observer who distrusts the explorer's operator
// downloads the record and runs `veche verify`, or points `veche verify`
// at a node of their own -- the pages give both command lines.
package explorer
