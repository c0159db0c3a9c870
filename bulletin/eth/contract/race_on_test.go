//go:build race

package contract_test

// The race detector slows the EVM about tenfold; TestGasStaysFlat then posts
// a tenth of its entries to stay within the test budget.
const raceDetector = true
