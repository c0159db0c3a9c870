//go:build race

package castbench

// raceEnabled: the race detector slows encryption about tenfold, so the
// load tests cast fewer ballots under it.
const raceEnabled = true
