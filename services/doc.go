// Package services is the home of the parts of Veche that people use
// directly, built on voting, tally and bulletin: the REST API for voters and
// the observer's explorer (services/api), and the city services that share
// the bulletin board with elections: identity, document anchoring and
// revocation, sealed-bid market-stall allocation, and polls. Each service
// has its own board topics and its own pseudonyms, so no field links a
// person across services. Today it holds only services/demo, the guided
// tour that `veche demo` prints; the rest is to come. Packages here must
// not import cmd.
package services
