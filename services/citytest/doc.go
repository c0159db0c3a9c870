// Package citytest holds the city-wide scenario tests of issue 9: one
// resident uses every city service -- a document sent to the owners of
// their building, a sealed bid for a market stall, a comment and a rating
// in Active Citizen, and a vote in a city poll -- through the real API
// server with one login (one access token), and the board is checked to carry nothing that links their voter credential,
// their bidder pseudonym and their document ownership. It has no non-test
// code.
package citytest
